import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the dashboard API types (apps/web/src/api/schema.d.ts)', () => {
  it('are what `npm run web:types` generates from docs/openapi.json (run it after `npm run docs:api`)', () => {
    const generated = execFileSync(process.execPath, [join(ROOT, 'tools', 'web', 'types.mjs'), '--stdout'], { encoding: 'utf8' });
    const committed = readFileSync(join(ROOT, 'apps', 'web', 'src', 'api', 'schema.d.ts'), 'utf8');
    expect(committed === generated).toBe(true);
    expect(committed).toContain('"/api/v1/auth/whoami"');
  });
});
