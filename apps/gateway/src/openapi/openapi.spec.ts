import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRoutes } from '../http/endpoint';
import { DOCUMENTED_CONTROLLERS } from '../controllers';
import { buildOpenApi, renderRbacMatrix } from './openapi';

const ROOT = join(__dirname, '..', '..', '..', '..');
const STALE = 'is stale: run `npm run docs:api` and commit the result';

describe('generated API documents', () => {
  it('docs/openapi.json matches the routes in code', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'));
    const generated = buildOpenApi();
    const paths = (d: { paths: Record<string, Record<string, unknown>> }) =>
      Object.entries(d.paths)
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
        .sort();
    expect({ routes: paths(committed), note: STALE }).toEqual({ routes: paths(generated as never), note: STALE });
    expect(committed).toEqual(generated);
  });

  it('docs/rbac.md matches the permission declarations', () => {
    expect(readFileSync(join(ROOT, 'docs', 'rbac.md'), 'utf8')).toBe(renderRbacMatrix());
  });

  it('is OpenAPI 3.1 with one operation per route, protected routes naming their permission', () => {
    const doc = buildOpenApi() as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc.openapi).toBe('3.1.0');
    const routes = describeRoutes(DOCUMENTED_CONTROLLERS);
    for (const r of routes) {
      const op = doc.paths[r.openApiPath]?.[r.method.toLowerCase()];
      expect(op).toBeDefined();
      if (!r.public) {
        expect(op!['x-certctl-permission']).toBe(r.spec!.permission);
        expect(Object.keys(op!.responses as object)).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
    const create = doc.paths['/api/v1/certificates'].post as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
    };
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['name', 'common_name', 'issuer_id', 'owner_id', 'team_id', 'renewal_policy_id']),
    );
  });
});
