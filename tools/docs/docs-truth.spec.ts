import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '@certctl/testing';

/**
 * The operator docs stay true to the product: every environment variable they name exists in
 * the code, every REST route they name exists in docs/openapi.json (with its method when they
 * give one), and the README lists every page. Generated pages (openapi.json, rbac.md,
 * lifecycle.md) are compared with their generators by apps/gateway/src/openapi/openapi.spec.ts and
 * tools/docs/lifecycle-doc.spec.ts.
 */

const DOCS = join(ROOT, 'docs');
const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md'));
const operatorTexts = [
  ...pages.map((f) => join(DOCS, f)),
  join(ROOT, 'README.md'),
  join(ROOT, 'deploy', 'README.md'),
  join(ROOT, 'loadtest', 'README.md'),
].filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) filesUnder(p, out);
    else if (/\.(ts|mjs|js|sh|ya?ml|json|tpl|conf)$/.test(name) || name === 'Dockerfile') out.push(p);
  }
  return out;
}

/** Every CERTCTL_* name the code (not the docs) knows: config schemas, scripts, deployment files. */
function namesInCode(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['apps', 'libs', 'tools', 'deploy', 'loadtest', '.ci']) {
    const abs = join(ROOT, dir);
    if (!statSync(abs, { throwIfNoEntry: false })) continue;
    for (const f of filesUnder(abs)) for (const m of readFileSync(f, 'utf8').matchAll(/CERTCTL_[A-Z0-9_]+/g)) names.add(m[0]);
  }
  return names;
}

interface DocRoute {
  where: string;
  method?: string;
  path: string;
}

function routesInDocs(): DocRoute[] {
  const out: DocRoute[] = [];
  for (const f of operatorTexts) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:\b(GET|POST|PUT|PATCH|DELETE|HEAD)\s+)?(?<![\w.:/])(\/api\/v1\/[A-Za-z0-9_{}<>:.*/-]*)/g)) {
      const path = m[2].replace(/[.]+$/, '').replace(/\/$/, '');
      if (path.includes('*')) continue; // "/api/v1/*": a prefix, not a route
      out.push({ where: relative(ROOT, f), method: m[1], path });
    }
  }
  return out;
}

const openapi = JSON.parse(readFileSync(join(DOCS, 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };

function matchesRoute(doc: DocRoute): boolean {
  const segs = doc.path.split('/');
  return Object.entries(openapi.paths).some(([p, methods]) => {
    const api = p.split('/');
    if (api.length !== segs.length) return false;
    const same = api.every((a, i) => a === segs[i] || a.startsWith('{') || /^[{<:]/.test(segs[i]));
    return same && (!doc.method || doc.method.toLowerCase() in methods);
  });
}

describe('the docs stay true to the product', () => {
  it('every CERTCTL_* variable the docs name exists in the code', () => {
    const known = namesInCode();
    const unknown: string[] = [];
    for (const f of operatorTexts) {
      // A name with a wildcard (`CERTCTL_CRL_*`, `CERTCTL_JOB_*_TIMEOUT_MS`) stands for a family: one member must exist.
      for (const m of readFileSync(f, 'utf8').matchAll(/CERTCTL_[A-Z0-9_*]*[A-Z0-9*]/g)) {
        const name = m[0];
        const family = new RegExp(`^${name.replace(/\*/g, '[A-Z0-9_]+')}$`);
        const ok = name.includes('*') ? [...known].some((k) => family.test(k)) : known.has(name);
        if (!ok) unknown.push(`${relative(ROOT, f)}: ${name}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('every /api/v1 route the docs name exists in docs/openapi.json with that method', () => {
    // The check has teeth: the docs name many routes, and a wrong path or method is caught.
    expect(routesInDocs().length).toBeGreaterThan(50);
    expect(matchesRoute({ where: 'x', method: 'GET', path: '/api/v1/certificates/{id}' })).toBe(true);
    expect(matchesRoute({ where: 'x', method: 'POST', path: '/api/v1/version' })).toBe(false);
    expect(matchesRoute({ where: 'x', path: '/api/v1/certificate/<id>' })).toBe(false);
    const missing = routesInDocs()
      .filter((r) => !matchesRoute(r))
      .map((r) => `${r.where}: ${r.method ?? 'any method'} ${r.path}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('the README lists every page of docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(pages.filter((p) => !readme.includes(`docs/${p}`))).toEqual([]);
  });
});
