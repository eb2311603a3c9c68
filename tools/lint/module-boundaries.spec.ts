import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// The module boundaries of eslint.config.mjs, checked on small sources placed in the
// projects they speak for (docs/contributing.md, "Where code lives"). ESLint's flat config
// is an ES module, which Jest's module loader cannot import: the probes run in one child.
const ROOT = join(__dirname, '..', '..');

interface Probe {
  file: string;
  source: string;
}

const LINT_PROBES = `
const { ESLint } = require('eslint');
const path = require('node:path');
(async () => {
  const probes = JSON.parse(process.argv[1]);
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const p of probes) {
    const [result] = await eslint.lintText(p.source, { filePath: path.join(process.cwd(), p.file) });
    out.push(result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

function boundaryErrors(probes: Probe[]): string[][] {
  const env = { ...process.env, NX_DAEMON: 'false' };
  // The rule reads the Nx project graph; without it the rule is skipped, so build it first.
  execFileSync('npx', ['nx', 'show', 'projects'], { cwd: ROOT, env, stdio: 'ignore' });
  return JSON.parse(execFileSync(process.execPath, ['-e', LINT_PROBES, JSON.stringify(probes)], { cwd: ROOT, env, encoding: 'utf8' }));
}

const USES_TESTING = "import { waitForPort } from '@certctl/testing';\nexport const wait = waitForPort;\n";

describe('module boundaries', () => {
  let errors: string[][];
  beforeAll(() => {
    errors = boundaryErrors([
      { file: 'apps/gateway/src/boundary-probe.ts', source: USES_TESTING },
      { file: 'libs/pki/src/boundary-probe.ts', source: USES_TESTING },
      { file: 'apps/gateway/src/boundary-probe.spec.ts', source: USES_TESTING },
      { file: 'apps/gateway/test/boundary-probe.int-spec.ts', source: USES_TESTING },
      { file: 'apps/acme/src/boundary-probe.ts', source: "export { AppError } from '@certctl/contracts';\n" },
      { file: 'apps/acme/src/boundary-probe.ts', source: "export * from '../../inventory/src/jobs/job-state';\n" },
      { file: 'libs/contracts/src/boundary-probe.ts', source: "export { PkiError } from '@certctl/pki';\n" },
    ]);
  }, 180_000);

  it('keeps the test library out of production code and lets tests use it', () => {
    expect(errors[0]).toHaveLength(1);
    expect(errors[1]).toHaveLength(1);
    expect(errors[2]).toEqual([]);
    expect(errors[3]).toEqual([]);
  });

  it('lets apps reach shared libraries but not another app', () => {
    expect(errors[4]).toEqual([]);
    expect(errors[5].length).toBeGreaterThan(0);
  });

  it('keeps the contracts library free of every other library', () => {
    expect(errors[6].length).toBeGreaterThan(0);
  });
});
