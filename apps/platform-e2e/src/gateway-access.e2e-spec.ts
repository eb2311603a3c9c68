import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from '@certctl/testing';
import { readState } from './e2e-env';
import { type HttpResult, api, validCertificate, waitFor, expectProblem } from './http';
import { moveClock } from './test-clock';

type Cred = 'none' | 'unknown' | 'disabled' | 'expired' | 'viewer' | 'operator' | 'admin' | 'agent';
const ROLES_OF: Partial<Record<Cred, string>> = { viewer: 'viewer', operator: 'operator', admin: 'admin', agent: 'agent' };
const keys: Partial<Record<Cred, string>> = {};
const suffix = Date.now().toString(36);

async function createKey(name: string, role: string, extra: Record<string, unknown> = {}) {
  const r = await api('POST', '/api/v1/api-keys', { body: { name: `${name}-${suffix}`, role, ...extra } });
  expect(r.status).toBe(201);
  return r.body as { id: string; key: string; principal: string; key_prefix: string };
}

beforeAll(async () => {
  keys.none = undefined;
  keys.unknown = 'cck_' + 'x'.repeat(43);
  keys.viewer = (await createKey('viewer', 'viewer')).key;
  keys.operator = (await createKey('operator', 'operator')).key;
  keys.admin = (await createKey('admin2', 'admin')).key;
  keys.agent = (await createKey('agent', 'agent', { agent_id: 'agent-e2e' })).key;
  const disabled = await createKey('disabled', 'admin');
  expect((await api('POST', `/api/v1/api-keys/${disabled.id}/disable`)).status).toBe(200);
  keys.disabled = disabled.key;
  // Expires in a minute; the gateway's clock is moved past it for the matrix below (no sleep).
  const expired = await createKey('expired', 'admin', { expires_at: new Date(Date.now() + 60_000).toISOString() });
  keys.expired = expired.key;
  expect((await api('GET', '/api/v1/certificates', { key: expired.key })).status).toBe(200); // valid until the clock moves
});

describe('every route × every kind of caller', () => {
  beforeAll(() => moveClock('gateway', 120_000));
  afterAll(() => moveClock('gateway', 0));

  // The committed OpenAPI document is checked against the code by a unit test; here the
  // running gateway is checked against it.
  const doc = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, { security?: unknown[]; 'x-certctl-roles'?: string[]; 'x-certctl-agent-param'?: string }>>;
  };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));
  const creds: Cred[] = ['none', 'unknown', 'disabled', 'expired', 'viewer', 'operator', 'admin', 'agent'];

  it('covers the whole API', () => {
    expect(routes.length).toBeGreaterThan(15);
  });

  it.each(routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s', async (_name, r) => {
    const path = r.path.replace('{file}', 'swagger-ui.css').replace(/\{[^}]+\}/g, 'does-not-exist');
    const isPublic = Array.isArray(r.op.security) && r.op.security.length === 0;
    const seen: Record<string, number> = {};
    const expected: Record<string, string> = {};
    for (const cred of creds) {
      // An agent key acts only for its own agent: on agent-scoped routes it names its own id.
      const agentParam = r.op['x-certctl-agent-param'];
      const credPath =
        cred === 'agent' && agentParam ? r.path.replace(`{${agentParam}}`, 'agent-e2e').replace(/\{[^}]+\}/g, 'does-not-exist') : path;
      const res = await api(r.method.toUpperCase(), credPath, {
        key: cred === 'none' ? null : keys[cred]!,
        ...(r.method === 'get' ? {} : { body: {} }),
      });
      seen[cred] = res.status;
      expect(res.status).toBeLessThan(500);
      const role = ROLES_OF[cred];
      if (isPublic) expected[cred] = 'any but 401/403';
      else if (!role) expected[cred] = '401';
      else expected[cred] = r.op['x-certctl-roles']!.includes(role) ? 'any but 401/403' : '403';
    }
    const actual = Object.fromEntries(
      Object.entries(seen).map(([cred, status]) => [
        cred,
        expected[cred] === 'any but 401/403' && status !== 401 && status !== 403 ? 'any but 401/403' : String(status),
      ]),
    );
    expect(actual).toEqual(expected);
  });

  it('a 401 says how to authenticate and a 403 names the missing permission', async () => {
    const unauth = await api('GET', '/api/v1/certificates', { key: null });
    expectProblem(unauth, 401);
    expect(unauth.headers.get('www-authenticate')).toMatch(/^Bearer realm="certctl"/);
    const denied = await api('POST', '/api/v1/api-keys', { key: keys.operator!, body: { name: 'x', role: 'viewer' } });
    expectProblem(denied, 403);
    expect(denied.body.detail).toContain('api_keys:manage');
    expect(denied.body.detail).toContain('operator');
  });

  it('X-API-Key works as well as Bearer', async () => {
    const r = await api('GET', '/api/v1/certificates', { key: null, headers: { 'x-api-key': keys.viewer! } });
    expect(r.status).toBe(200);
  });
});

describe('API key lifecycle', () => {
  it('create → use → rotate → disable → enable → delete, the secret shown only at creation and rotation', async () => {
    const created = await createKey('lifecycle', 'viewer');
    expect(created.key).toMatch(/^cck_[A-Za-z0-9_-]{43}$/);
    expect((await api('GET', '/api/v1/certificates', { key: created.key })).status).toBe(200);

    const listed = await api('GET', '/api/v1/api-keys?limit=500');
    const row = listed.body.data.find((k: { id: string }) => k.id === created.id);
    expect(row).toMatchObject({ name: `lifecycle-${suffix}`, role: 'viewer', status: 'active', key_prefix: created.key.slice(0, 12) });
    expect(listed.text).not.toContain(created.key);
    expect(listed.text).not.toMatch(/key_hash|"key":/);
    const got = await api('GET', `/api/v1/api-keys/${created.id}`);
    expect(got.body).not.toHaveProperty('key');

    const rotated = await api('POST', `/api/v1/api-keys/${created.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).not.toBe(created.key);
    expectProblem(await api('GET', '/api/v1/certificates', { key: created.key }), 401);
    expect((await api('GET', '/api/v1/certificates', { key: rotated.body.key })).status).toBe(200);

    expect((await api('POST', `/api/v1/api-keys/${created.id}/disable`)).body.status).toBe('disabled');
    expectProblem(await api('GET', '/api/v1/certificates', { key: rotated.body.key }), 401);
    expect((await api('POST', `/api/v1/api-keys/${created.id}/enable`)).body.status).toBe('active');
    expect((await api('GET', '/api/v1/certificates', { key: rotated.body.key })).status).toBe(200);

    expect((await api('DELETE', `/api/v1/api-keys/${created.id}`)).status).toBe(204);
    expectProblem(await api('GET', '/api/v1/certificates', { key: rotated.body.key }), 401);
    expectProblem(await api('GET', `/api/v1/api-keys/${created.id}`), 404);
  });

  it('fail/duplicate names, unknown roles and agent keys without an agent id are refused', async () => {
    await createKey('dup', 'viewer');
    expectProblem(await api('POST', '/api/v1/api-keys', { body: { name: `dup-${suffix}`, role: 'viewer' } }), 409);
    const bad = await api('POST', '/api/v1/api-keys', { body: { name: `bad-${suffix}`, role: 'root' } });
    expectProblem(bad, 422);
    expect(bad.body.errors[0].field).toBe('role');
    const agent = await api('POST', '/api/v1/api-keys', { body: { name: `ag-${suffix}`, role: 'agent' } });
    expectProblem(agent, 422);
    expect(agent.body.errors[0].field).toBe('agent_id');
  });

  it('last_used_at is recorded', async () => {
    const k = await createKey('used', 'viewer');
    await api('GET', '/api/v1/certificates', { key: k.key });
    const row = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/api-keys/${k.id}`);
        return r.body.last_used_at ? r.body : undefined;
      },
      10000,
      'last_used_at',
    );
    expect(Date.parse(row.last_used_at)).toBeGreaterThan(Date.now() - 60000);
  });
});

describe('audit trail and approvals', () => {
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    await db.query(
      `INSERT INTO certificate_profiles (id, name, requires_approval, updated_at) VALUES ('prof-e2e-approval', 'e2e approval required', true, now())
       ON CONFLICT (id) DO NOTHING`,
    );
  });
  afterAll(() => db.end());

  async function auditFor(requestId: string) {
    return waitFor(
      async () => {
        const r = await api('GET', `/api/v1/audit?limit=500&since=${encodeURIComponent(new Date(Date.now() - 120000).toISOString())}`);
        return r.body.data.find((e: { request_id: string }) => e.request_id === requestId);
      },
      10000,
      `audit row for ${requestId}`,
    );
  }

  it('create, a refused self-approval, an approval by someone else and a 403 are each audited with their actor', async () => {
    const requester = await createKey('requester', 'operator');
    const approver = await createKey('approver', 'operator');
    const created = await api('POST', '/api/v1/certificates', {
      key: requester.key,
      body: { ...validCertificate(`approval-${suffix}`), profile_id: 'prof-e2e-approval' },
    });
    expect(created.status).toBe(201);
    const job = await api('GET', `/api/v1/jobs/${created.body.job_id}`);
    expect(job.body).toMatchObject({ status: 'awaiting_approval', requested_by: requester.principal });

    const self = await api('POST', `/api/v1/jobs/${created.body.job_id}/approve`, { key: requester.key, body: {} });
    expectProblem(self, 403);
    const approved = await api('POST', `/api/v1/jobs/${created.body.job_id}/approve`, {
      key: approver.key,
      body: { reason: 'change ticket 42' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'pending', decided_by: approver.principal, decision_reason: 'change ticket 42' });
    const denied = await api('POST', '/api/v1/certificates', { key: keys.viewer!, body: validCertificate(`denied-${suffix}`) });
    expectProblem(denied, 403);

    const createRow = await auditFor(created.headers.get('x-request-id')!);
    expect(createRow).toMatchObject({
      actor: requester.principal,
      role: 'operator',
      action: 'certificate.create',
      method: 'POST',
      resource_type: 'certificate',
      resource_id: created.body.id,
      status: 201,
      body_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      source_ip: expect.any(String),
    });
    expect(createRow.latency_ms).toBeGreaterThanOrEqual(0);
    expect(await auditFor(self.headers.get('x-request-id')!)).toMatchObject({
      actor: requester.principal,
      action: 'job.approve',
      status: 403,
    });
    expect(await auditFor(approved.headers.get('x-request-id')!)).toMatchObject({
      actor: approver.principal,
      action: 'job.approve',
      resource_type: 'job',
      resource_id: created.body.job_id,
      status: 200,
    });
    const deniedRow = await auditFor(denied.headers.get('x-request-id')!);
    expect(deniedRow).toMatchObject({ role: 'viewer', status: 403, details: { missing_permission: 'certificates:write' } });

    // The approved job is issued.
    await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${created.body.id}`);
        return c.body.status === 'active' ? c : undefined;
      },
      30000,
      'approved certificate to be issued',
    );
  });

  it('fail/a key an admin made counts as that admin: neither it nor its sibling approves the other’s request; another admin does', async () => {
    const a = await createKey('owner-a', 'admin');
    const c = await createKey('owner-c', 'admin');
    // A mints B (and B2) under other names; both count as A.
    const mint = async (name: string, principal: string) => {
      const r = await api('POST', '/api/v1/api-keys', { key: a.key, body: { name: `${name}-${suffix}`, role: 'admin', principal } });
      expect(r.status).toBe(201);
      return r.body as { id: string; key: string; principal: string; created_by: string; owner_key_id: string };
    };
    const b = await mint('minted-b', `someone-else-${suffix}`);
    const b2 = await mint('minted-b2', `another-name-${suffix}`);
    expect(b).toMatchObject({ created_by: a.id, owner_key_id: a.id });
    // Even a key made by B belongs to A.
    const b3 = await api('POST', '/api/v1/api-keys', { key: b.key, body: { name: `minted-b3-${suffix}`, role: 'admin' } });
    expect(b3.body).toMatchObject({ created_by: b.id, owner_key_id: a.id });
    expect((await api('GET', `/api/v1/api-keys/${c.id}`)).body.owner_key_id).toBe(c.id);

    const created = await api('POST', '/api/v1/certificates', {
      key: b.key,
      body: { ...validCertificate(`two-person-${suffix}`), profile_id: 'prof-e2e-approval' },
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id as string;
    expect((await api('GET', `/api/v1/jobs/${jobId}`)).body).toMatchObject({ status: 'awaiting_approval', requested_by: b.principal });

    for (const key of [b.key, a.key, b2.key, b3.body.key as string]) {
      const refused = await api('POST', `/api/v1/jobs/${jobId}/approve`, { key, body: {} });
      expectProblem(refused, 403);
      expectProblem(await api('POST', `/api/v1/jobs/${jobId}/reject`, { key, body: {} }), 403);
    }
    expect((await api('GET', `/api/v1/jobs/${jobId}`)).body.status).toBe('awaiting_approval');
    const approved = await api('POST', `/api/v1/jobs/${jobId}/approve`, { key: c.key, body: { reason: 'second person' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'pending', decided_by: c.principal });
  });

  it('secrets never reach the audit trail, and the table refuses updates and deletes', async () => {
    const k = await createKey('secretive', 'viewer');
    const rows = await db.query(`SELECT * FROM audit_events WHERE resource_id = $1`, [k.id]);
    expect(JSON.stringify(rows.rows)).not.toContain(k.key);
    await expect(db.query(`UPDATE audit_events SET actor = 'someone-else'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });

  it('filters by actor, action and resource, with cursor pagination', async () => {
    const k = await createKey('pager', 'operator');
    for (let i = 0; i < 3; i++) await api('POST', '/api/v1/certificates', { key: k.key, body: { name: `bad-${i}` } });
    await waitFor(
      async () =>
        (await api('GET', `/api/v1/audit?actor=${k.principal}&action=certificate.create`)).body.data.length === 3 ? true : undefined,
      10000,
      'three audit rows',
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/v1/audit?actor=${k.principal}&action=certificate.create&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: HttpResult = await waitFor(
        async (): Promise<HttpResult | undefined> => {
          const r: HttpResult = await api('GET', q);
          return cursor || r.body.data.length === 2 ? r : undefined;
        },
        10000,
        'audit rows',
      );
      seen.push(...page.body.data.map((e: { id: string; actor: string }) => (expect(e.actor).toBe(k.principal), e.id)));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(3);
    expectProblem(await api('GET', '/api/v1/audit?cursor=garbage'), 422);
  });
});

describe('REST conventions', () => {
  it('fail/unknown fields, unknown query parameters, oversized bodies and wrong content types are typed 4xx problems', async () => {
    const unknown = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`unk-${suffix}`), colour: 'blue' } });
    expectProblem(unknown, 422);
    expect(unknown.body.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);
    const q = await api('GET', '/api/v1/certificates?colour=blue');
    expectProblem(q, 422);
    expect(q.body.errors[0].field).toBe('query.colour');
    expectProblem(await api('POST', '/api/v1/certificates', { raw: JSON.stringify({ name: 'x'.repeat(70000) }) }), 413);
    expectProblem(
      await api('POST', '/api/v1/certificates', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
    );
    expectProblem(await api('GET', '/api/v1/certificates?limit=100000'), 422);
  });

  it('sets security headers, and CORS only for configured origins', async () => {
    const r = await api('GET', '/api/v1/certificates', { headers: { origin: 'https://console.example.com' } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    const other = await api('GET', '/api/v1/certificates', { headers: { origin: 'https://evil.example.net' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api('OPTIONS', '/api/v1/certificates', {
      key: null,
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expectProblem(preflight, 403);
    const docs = await api('GET', '/api/docs', { key: null });
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('filters, sorts and pages the certificate list', async () => {
    for (const n of ['zeta', 'alpha', 'mid'])
      expect((await api('POST', '/api/v1/certificates', { body: validCertificate(`list-${n}-${suffix}`) })).status).toBe(201);
    const byName = await api('GET', `/api/v1/certificates?q=${suffix}&sort=name&limit=2`);
    expect(byName.status).toBe(200);
    const names: string[] = byName.body.data.map((c: { name: string }) => c.name);
    const next = await api('GET', `/api/v1/certificates?q=${suffix}&sort=name&limit=2&cursor=${byName.body.next_cursor}`);
    names.push(...next.body.data.map((c: { name: string }) => c.name));
    const listNames = names.filter((n) => n.startsWith('list-'));
    expect(listNames).toEqual([...listNames].sort());
    expect(listNames.length).toBe(3);
    const none = await api('GET', `/api/v1/certificates?q=${suffix}&expires_before=2000-01-01T00:00:00Z`);
    expect(none.body.data).toEqual([]);
  });

  it('rate limits per key with Retry-After, without touching other keys', async () => {
    const k = await createKey('burst', 'viewer');
    // A viewer asking for API keys is refused (403) without touching other services, so the
    // burst (300 in this stack) and refill (200/s) run out quickly; the bucket is taken before the role check.
    const limited: HttpResult[] = [];
    let sent = 0;
    const t0 = Date.now();
    while (!limited.length && sent < 5000) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => api('GET', '/api/v1/api-keys', { key: k.key })));
      sent += batch.length;
      limited.push(...batch.filter((r) => r.status === 429));
      expect(batch.every((r) => r.status === 403 || r.status === 429)).toBe(true);
    }
    expect(limited.length).toBeGreaterThan(0);
    // No more got through than the bucket allows: burst + refill over the elapsed time.
    expect(sent - limited.length).toBeLessThanOrEqual(300 + (200 * (Date.now() - t0)) / 1000 + 100);
    expectProblem(limited[0], 429);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api('GET', '/api/v1/certificates?limit=1', { key: keys.viewer! })).status).toBe(200);
  });

  it('public protocol paths are forwarded without an API key', async () => {
    const r = await api('GET', '/.well-known/pki/crl/does-not-exist', { key: null });
    expect(r.status).not.toBe(401);
    expect(r.status).toBeLessThan(500);
  });
});
