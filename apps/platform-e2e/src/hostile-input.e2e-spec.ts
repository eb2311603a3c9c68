import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SERVICES } from '@certctl/testing';
import { gatewayUrl, readState } from './e2e-env';
import { api, waitFor } from './http';

/**
 * The hostile-input tier: thousands of malformed requests across every route of
 * docs/openapi.json, the ACME endpoints, OCSP and CRL, sent to the real gateway. Nothing may
 * answer 5xx, reset a connection (except a body over the limit), or show a stack trace, SQL
 * or key material; afterwards the audit trail still writes and every service is ready.
 */

interface Probe {
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  key?: 'admin' | 'viewer' | 'none';
  /** The body is over the limit: the gateway may close the connection instead of answering. */
  oversized?: boolean;
}

interface Operation {
  method: string;
  path: string;
  params: { in: string; name: string }[];
  body?: { properties?: Record<string, unknown>; required?: string[] };
}

const PATH_VALUES = [
  '%00',
  '%ff%fe',
  '%c0%ae%c0%ae',
  "'%20OR%201=1--",
  'x'.repeat(600),
  '%7B%22a%22%3A1%7D',
  '..%252f..%252fetc',
  '%E2%80%AE',
  'null',
  '-1',
  '1e309',
  '%0d%0aSet-Cookie:%20x=1',
  '%3Csvg%20onload=alert(1)%3E',
  '*',
  '%25',
  '__proto__',
  'constructor',
  '%ud800',
];
const QUERY_VALUES = ['%00', 'x'.repeat(3000), '-1', '1e400', 'NaN', '%5B%5D', 'true', "'", '2026-13-45T99:99:99Z', '%ff', '%F0%9F', ''];
const FIELD_VALUES: unknown[] = [
  null,
  12345,
  true,
  [],
  {},
  'x'.repeat(70000),
  '\u0000',
  'a\ud800b',
  '../../etc/passwd',
  "'; DROP TABLE certificates;--",
  -1,
  1e308,
  '${jndi:ldap://127.0.0.1/a}',
  { __proto__: { role: 'admin' } },
  ['\u0000'],
];

function deep(n: number): string {
  return '['.repeat(n) + ']'.repeat(n);
}

const RAW_BODIES: (string | Buffer)[] = [
  '',
  '{',
  'null',
  '[]',
  '"a string"',
  '1',
  'true',
  '{"a":',
  '{"__proto__":{"role":"admin"}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  deep(5000),
  `{"a":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`,
  '{"x":1e999}',
  '{"name":"a","name":"b"}',
  '\ufeff{}',
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  '{"name":"\\u0000"}',
  '{"name":"\\ud800"}',
  '{"name":"\\',
];
const CONTENT_TYPES = ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16'];

function operations(): Operation[] {
  const doc = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')) as {
    paths: Record<
      string,
      Record<
        string,
        { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: Operation['body'] }> } }
      >
    >;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: op.requestBody?.content['application/json']?.schema,
      });
    }
  }
  return ops;
}

/** The path with each parameter set to a placeholder, or one of them to a hostile value. */
function fill(path: string, hostile?: { name: string; value: string }): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => (hostile && hostile.name === name ? hostile.value : 'probe-id'));
}

function restProbes(ops: Operation[]): Probe[] {
  const probes: Probe[] = [];
  for (const op of ops) {
    const pathParams = op.params.filter((p) => p.in === 'path').map((p) => p.name);
    const queryParams = op.params.filter((p) => p.in === 'query').map((p) => p.name);
    for (const name of pathParams)
      for (const value of PATH_VALUES) probes.push({ method: op.method, path: fill(op.path, { name, value }) });
    for (const name of queryParams) {
      for (const value of QUERY_VALUES) probes.push({ method: op.method, path: `${fill(op.path)}?${name}=${value}` });
      probes.push({ method: op.method, path: `${fill(op.path)}?${name}=1&${name}=2` });
    }
    probes.push({ method: op.method, path: `${fill(op.path)}?__proto__[x]=1&a[b][c]=d&unknown=%00` });
    for (const key of ['none', 'viewer'] as const) probes.push({ method: op.method, path: fill(op.path), key });
    if (!op.body) continue;
    const base = Object.fromEntries((op.body.required ?? []).map((n) => [n, 'x']));
    for (const field of Object.keys(op.body.properties ?? {})) {
      for (const value of FIELD_VALUES) {
        const text = JSON.stringify({ ...base, [field]: value });
        probes.push({ method: op.method, path: fill(op.path), body: text, oversized: text.length > 60000 });
      }
    }
    for (const body of RAW_BODIES) probes.push({ method: op.method, path: fill(op.path), body });
    for (const contentType of CONTENT_TYPES) probes.push({ method: op.method, path: fill(op.path), body: '{}', contentType });
    probes.push({ method: op.method, path: fill(op.path), body: `{"a":"${'y'.repeat(70000)}"}`, oversized: true });
  }
  return probes;
}

function acmeProbes(): Probe[] {
  const probes: Probe[] = [];
  const jose = 'application/jose+json';
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwsBodies = [
    '',
    '{}',
    'not json',
    '{"protected":"","payload":"","signature":""}',
    JSON.stringify({ protected: b64({ alg: 'none', nonce: 'x', url: 'x' }), payload: '', signature: '' }),
    JSON.stringify({
      protected: b64({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: '\u0000', y: 'A' }, nonce: '%00', url: 'http://x/' }),
      payload: b64({}),
      signature: 'AAAA',
    }),
    JSON.stringify({
      protected: b64({ alg: 'RS256', kid: 'http://127.0.0.1:1/acct/../../metrics', nonce: 'n', url: 'u' }),
      payload: b64({ identifiers: [] }),
      signature: 'x',
    }),
    JSON.stringify({ protected: '!!!', payload: '???', signature: '***' }),
    JSON.stringify({ protected: b64('a'.repeat(5000)), payload: b64(null), signature: '' }),
    JSON.stringify({ protected: b64({ alg: 'HS256', jwk: {}, nonce: 'n', url: 'u' }), payload: b64({ csr: '\u0000' }), signature: 'AA' }),
    deep(3000),
    JSON.stringify({
      protected: b64({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) }, nonce: 'n', url: 'u' }),
      payload: b64({}),
      signature: 'A'.repeat(86),
    }),
  ];
  const ids = ['probe', '%00', 'x'.repeat(500), '%ff', '..%2fmetrics-x', "'"];
  for (const prefix of ['/acme', '/acme/profile/probe-profile', '/acme/profile/%00']) {
    probes.push(
      { method: 'GET', path: `${prefix}/directory` },
      { method: 'HEAD', path: `${prefix}/new-nonce` },
      { method: 'GET', path: `${prefix}/new-nonce` },
    );
    for (const ep of ['new-account', 'new-order', 'key-change', 'revoke-cert']) {
      for (const body of jwsBodies) probes.push({ method: 'POST', path: `${prefix}/${ep}`, body, contentType: jose });
      probes.push({ method: 'POST', path: `${prefix}/${ep}`, body: '{}', contentType: 'application/json' });
      probes.push({ method: 'GET', path: `${prefix}/${ep}` });
    }
    for (const id of ids) probes.push({ method: 'GET', path: `${prefix}/renewal-info/${id}` });
    probes.push({ method: 'GET', path: `${prefix}/renewal-info/${'A'.repeat(22)}.${'B'.repeat(22)}` });
  }
  for (const route of ['acct', 'acct/%s/orders', 'order', 'order/%s/finalize', 'authz', 'chall', 'cert']) {
    for (const id of ids) {
      const path = `/acme/${route.includes('%s') ? route.replace('%s', id) : `${route}/${id}`}`;
      for (const body of jwsBodies.slice(0, 8)) probes.push({ method: 'POST', path, body, contentType: jose });
      probes.push({ method: 'GET', path });
    }
  }
  return probes;
}

function revocationProbes(): Probe[] {
  const probes: Probe[] = [];
  const issuers = ['iss-local', 'probe', '%00', 'x'.repeat(300), '%ff'];
  const junk = [
    Buffer.alloc(0),
    Buffer.from([0x30]),
    Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]),
    Buffer.from('MEMwQTA/MD0wOzAJBgUrDgMCGgUABBQ', 'utf8'),
    Buffer.alloc(5000, 0x30),
    Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)),
  ];
  for (const issuer of issuers) {
    probes.push({ method: 'GET', path: `/.well-known/pki/crl/${issuer}` }, { method: 'HEAD', path: `/.well-known/pki/crl/${issuer}` });
    probes.push({ method: 'POST', path: `/.well-known/pki/crl/${issuer}`, body: 'x' });
    for (const body of junk) {
      probes.push({ method: 'POST', path: `/.well-known/pki/ocsp/${issuer}`, body, contentType: 'application/ocsp-request' });
      probes.push({ method: 'GET', path: `/.well-known/pki/ocsp/${issuer}/${encodeURIComponent(body.toString('base64'))}` });
      probes.push({ method: 'GET', path: `/.well-known/pki/ocsp/${issuer}/${body.toString('base64url')}` });
    }
    for (const v of ['%00', '%ff', '!!!', 'x'.repeat(4000), '%2F%2F%2F', 'AA==%00'])
      probes.push({ method: 'GET', path: `/.well-known/pki/ocsp/${issuer}/${v}` });
    probes.push({ method: 'POST', path: `/.well-known/pki/ocsp/${issuer}`, body: junk[3], contentType: 'text/plain' });
  }
  for (const token of ['probe', '%00', 'x'.repeat(500)]) probes.push({ method: 'GET', path: `/.well-known/acme-challenge/${token}` });
  return probes;
}

const LEAKS: [string, RegExp][] = [
  ['stack trace', /\bat [\w.<>]+ \(?[^)\s]*\.(ts|js):\d+/],
  [
    'SQL',
    /\b(SELECT|INSERT|UPDATE|DELETE)\b[\s\S]{0,80}\b(FROM|INTO|SET|WHERE)\b|syntax error at or near|violates [a-z ]*constraint|relation "[^"]+" does not exist/i,
  ],
  ['ORM internals', /prisma|PrismaClient|P20\d\d\b/],
  ['key material', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

describe('hostile input across every public surface', () => {
  const failures: string[] = [];
  let sent = 0;

  it('ok/3,000+ malformed requests: no 5xx, no reset, no leak; the audit trail writes and every service is ready afterwards', async () => {
    const state = readState();
    // Keys of their own, so the per-key rate limit of one key does not turn the probes into 429s.
    const admins: string[] = [];
    for (let i = 0; i < 8; i++) {
      const k = await api('POST', '/api/v1/api-keys', { body: { name: `hostile-admin-${i}-${Date.now()}`, role: 'admin' } });
      expect(k.status).toBe(201);
      admins.push(k.body.key);
    }
    const viewer = await api('POST', '/api/v1/api-keys', { body: { name: `hostile-viewer-${Date.now()}`, role: 'viewer' } });
    expect(viewer.status).toBe(201);

    const probes = [...restProbes(operations()), ...acmeProbes(), ...revocationProbes()];
    expect(probes.length).toBeGreaterThanOrEqual(3000);
    const base = gatewayUrl(state);
    const statuses = new Map<number, number>();
    const accepted: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < probes.length) {
        const i = next++;
        const p = probes[i];
        const headers: Record<string, string> = {};
        const key = p.key === 'none' ? undefined : p.key === 'viewer' ? viewer.body.key : admins[i % admins.length];
        if (key) headers.authorization = `Bearer ${key}`;
        if (p.body !== undefined) headers['content-type'] = p.contentType ?? 'application/json';
        const what = `${p.method} ${p.path.slice(0, 160)}${p.body !== undefined ? ` body ${String(p.body).slice(0, 80)}` : ''}`;
        try {
          const res = await fetch(`${base}${p.path}`, { method: p.method, headers, body: p.body, signal: AbortSignal.timeout(20000) });
          const text = await res.text();
          sent++;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status < 300 && p.method !== 'GET' && p.method !== 'HEAD' && p.path.startsWith('/api/'))
            accepted.push(`${res.status} ${what}`);
          if (res.status >= 500) failures.push(`${res.status} for ${what}: ${text.slice(0, 300)}`);
          // The audit CSV export answers the recorded requests themselves (methods such as DELETE,
          // paths, hostile filter values): the SQL pattern would match that data, not a leak.
          const auditCsv = p.path.startsWith('/api/v1/audit/export') && /^text\/csv/.test(res.headers.get('content-type') ?? '');
          for (const [name, re] of LEAKS) {
            if (auditCsv && name === 'SQL') continue;
            if (re.test(text)) failures.push(`${name} in the answer to ${what}: ${text.slice(0, 300)}`);
          }
        } catch (err) {
          sent++;
          if (!p.oversized)
            failures.push(`no answer to ${what}: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    process.stderr.write(`[hostile] ${sent} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    process.stderr.write(`[hostile] changes accepted (valid by chance):\n  ${accepted.join('\n  ')}\n`);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(sent).toBe(probes.length);

    // The audit trail still writes: an audited change gets its row within a few flush intervals.
    const owner = await api('POST', '/api/v1/owners', { body: { name: `after-hostile-${Date.now()}`, email: 'after@example.com' } });
    expect(owner.status).toBe(201);
    await waitFor(
      async () => ((await api('GET', `/api/v1/audit?resource_id=${owner.body.id}`)).body.data?.length ? true : undefined),
      5000,
      'the audit row written after the hostile run',
    );
    for (const s of SERVICES) {
      const ready = await fetch(`http://127.0.0.1:${state.ports[s.name]}/ready`);
      expect({ service: s.name, status: ready.status }).toEqual({ service: s.name, status: 200 });
    }
  });
});
