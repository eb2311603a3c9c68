import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { parseIdentifiers } from '../../apps/acme/src/protocol/identifiers';
import { type ApiRequest, acme, acmeDirectoryPath, api } from '../../loadtest/k6/lib/requests';

/**
 * The k6 scripts send what the platform accepts: every request of their catalogue
 * (loadtest/k6/lib/requests.ts) matches docs/openapi.json (method, path, query parameters,
 * body schema) or the public protocol routes (OCSP, ACME), and the scripts send nothing
 * that bypasses the catalogue.
 */
interface Schema {
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  type?: string | string[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
}
const openapi = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
  >;
  components: { schemas: Record<string, Schema> };
};
const K6 = join(ROOT, 'loadtest/k6');

/** The JSON Schema (2020-12) subset zod emits into the OpenAPI document; returns the first violation. */
function violation(schema: Schema, value: unknown, at = '$'): string | undefined {
  if (schema.$ref) return violation(openapi.components.schemas[String(schema.$ref).split('/').pop()!]!, value, at);
  if (schema.anyOf) return schema.anyOf.some((s) => !violation(s, value, at)) ? undefined : `${at}: matches none of anyOf`;
  if (schema.oneOf)
    return schema.oneOf.filter((s) => !violation(s, value, at)).length === 1 ? undefined : `${at}: not exactly one of oneOf`;
  if (schema.allOf) for (const s of schema.allOf) if (violation(s, value, at)) return violation(s, value, at);
  if (schema.enum && !schema.enum.includes(value)) return `${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`;
  if ('const' in schema && schema.const !== value) return `${at}: must be ${JSON.stringify(schema.const)}`;
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const types: string[] = schema.type ? [schema.type].flat() : [];
  if (
    types.length &&
    !types.some((t) => t === type || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && type === 'number'))
  )
    return `${at}: ${type} where ${types.join('|')} is required`;
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return `${at}: shorter than ${schema.minLength}`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `${at}: longer than ${schema.maxLength}`;
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return `${at}: does not match ${schema.pattern}`;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return `${at}: fewer than ${schema.minItems} items`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${at}: more than ${schema.maxItems} items`;
    for (const [i, v] of value.entries()) {
      const e = schema.items ? violation(schema.items, v, `${at}[${i}]`) : undefined;
      if (e) return e;
    }
  }
  if (type === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) return `${at}.${r}: required`;
    for (const [k, v] of Object.entries(obj)) {
      const prop = schema.properties?.[k];
      if (prop) {
        const e = violation(prop, v, `${at}.${k}`);
        if (e) return e;
      } else if (schema.additionalProperties === false) return `${at}.${k}: not allowed`;
      else if (typeof schema.additionalProperties === 'object') {
        const e = violation(schema.additionalProperties, v, `${at}.${k}`);
        if (e) return e;
      }
    }
  }
  return undefined;
}

/** Whether the OpenAPI route accepts the request: same method, the path fits the template, known query parameters, a valid body. */
function check(r: ApiRequest): string[] {
  const op = openapi.paths[r.route]?.[r.method.toLowerCase()];
  if (!op) return [`${r.method} ${r.route} is not in docs/openapi.json`];
  const [path, query] = r.path.split('?') as [string, string | undefined];
  const template = new RegExp(`^${r.route.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[A-Za-z0-9._~%-]+')}$`);
  const problems: string[] = [];
  if (!template.test(path)) problems.push(`${path} does not fit ${r.route}`);
  const known = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
  for (const pair of query ? query.split('&') : [])
    if (!known.has(pair.split('=')[0]!)) problems.push(`${r.route}: unknown query parameter ${pair}`);
  const schema = op.requestBody?.content['application/json']?.schema;
  if (r.body !== undefined && !schema) problems.push(`${r.route}: sends a body the route does not take`);
  if (r.body === undefined && schema) problems.push(`${r.route}: the route needs a body`);
  if (r.body !== undefined && schema) {
    const e = violation(schema, r.body);
    if (e) problems.push(`${r.method} ${r.route} body: ${e}`);
  }
  return problems;
}

describe('k6 scripts send what the platform accepts', () => {
  const rest: ApiRequest[] = [
    api.certificateCreate('k6-1-0-abc'),
    api.certificateList(),
    api.certificateList({ limit: 100, status: 'active', issuer_id: 'iss-local', cursor: 'eyJpZCI6ImNlcnQtMSJ9' }),
    api.certificateGet('cert-lt-abc-1'),
    api.bulkRenew(Array.from({ length: 10000 }, (_, i) => `cert-lt-abc-${i}`)),
    api.jobList('pending'),
    api.agentHeartbeat('agent-1', 'host-1.loadtest'),
    api.agentWork('agent-1'),
  ];

  it('ok/every REST request of the catalogue matches docs/openapi.json: method, path, query and body', () => {
    expect(rest.flatMap(check)).toEqual([]);
  });

  it('fail/the check refuses requests the API would refuse', () => {
    const bad: ApiRequest[] = [
      { ...api.certificateCreate('x'), body: { name: 'x' } }, // required fields missing
      { ...api.certificateCreate('x'), body: { ...(api.certificateCreate('x').body as object), colour: 'red' } },
      { ...api.bulkRenew([]) }, // minItems 1
      { ...api.certificateList(), path: '/api/v1/certificates?pagesize=5' },
      { method: 'DELETE', path: '/api/v1/certificates', route: '/api/v1/certificates' },
      { ...api.agentWork('agent-1'), route: '/api/v1/agents/{id}/poll' },
    ];
    for (const r of bad) expect({ r: r.path, problems: check(r).length > 0 }).toEqual({ r: r.path, problems: true });
  });

  it('ok/the OCSP GET fits the revocation service route and the ACME directory paths fit the ACME routes', () => {
    const ocspRoute = /const OCSP_PATH = '([^']+)'/.exec(
      readFileSync(join(ROOT, 'apps/revocation/src/http/public-routes.ts'), 'utf8'),
    )![1]!;
    expect(ocspRoute).toBe('/.well-known/pki/ocsp/:issuerId');
    const ocsp = api.ocspGet('iss-local', 'MEIwQDA-MDwwOjAJBgUrDgMCGgUABBQ');
    expect(ocsp.public).toBe(true);
    expect(ocsp.path).toMatch(/^\/\.well-known\/pki\/ocsp\/[A-Za-z0-9._-]+\/[A-Za-z0-9_-]+$/);

    const routes = readFileSync(join(ROOT, 'apps/acme/src/http/acme-routes.ts'), 'utf8');
    expect(routes).toContain("{ prefix: '/acme' }");
    expect(routes).toContain("for (const prefix of ['', '/profile/:pid'])");
    expect(routes).toContain('app.get(`${prefix}/directory`');
    expect(acmeDirectoryPath()).toBe('/acme/directory');
    expect(acmeDirectoryPath('prof-k6')).toBe('/acme/profile/prof-k6/directory');
    for (const field of acme.directoryFields) expect(routes).toContain(`${field}: urls.${field}`);
  });

  it('ok/the ACME payloads are what the server parses', () => {
    expect(parseIdentifiers(acme.newOrder(['k6.loadtest.test']).identifiers, { allowInternalNames: true })).toEqual([
      { type: 'dns', value: 'k6.loadtest.test' },
    ]);
    expect(acme.newAccount()).toMatchObject({ termsOfServiceAgreed: true, contact: [expect.stringMatching(/^mailto:/)] });
    expect(acme.newAccount({ protected: 'p', payload: 'q', signature: 's' })).toHaveProperty('externalAccountBinding');
    expect(acme.finalize('MIIB')).toEqual({ csr: 'MIIB' });
    expect(acme.challengeReady()).toEqual({});
  });

  it('ok/the scripts build their requests only through the catalogue, set thresholds, and document their options', () => {
    const readme = readFileSync(join(ROOT, 'loadtest/README.md'), 'utf8');
    const scripts = readdirSync(K6).filter((f) => f.endsWith('.ts'));
    expect(scripts.sort()).toEqual(['acme-burst.ts', 'acme-flow.ts', 'agent-storm.ts', 'api-tier.ts', 'bulk-renewal.ts', 'ocsp.ts']);
    const files = [...scripts, ...readdirSync(join(K6, 'lib')).map((f) => `lib/${f}`)].filter((f) => f !== 'lib/requests.ts');
    for (const f of files) {
      const src = readFileSync(join(K6, f), 'utf8');
      // No platform path written outside the catalogue (comments aside).
      const code = src.replace(/^\s*\/\/.*$/gm, '');
      expect({ f, paths: code.match(/['"`]\/(api|acme|\.well-known)\b[^'"`]*/g) ?? [] }).toEqual({ f, paths: [] });
      if (!f.startsWith('lib/')) {
        expect({ f, options: /export const options: Options = \{[\s\S]*thresholds:/.test(src) }).toEqual({ f, options: true });
        expect({ f, rawHttp: /from 'k6\/http'/.test(src) }).toEqual({ f, rawHttp: false });
        expect({ f, readme: readme.includes(`k6/${f}`) }).toEqual({ f, readme: true });
      }
      for (const [, name] of src.matchAll(/(?:num|env)\('(K6_[A-Z0-9_]+)'/g))
        expect({ f, name, documented: readme.includes(name!) }).toEqual({ f, name, documented: true });
    }
  });
});
