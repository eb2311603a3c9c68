import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockScript, shellBlocks } from './doc-blocks';

const ROOT = join(__dirname, '..', '..', '..');

describe('shell blocks of an operator page', () => {
  const page = [
    '# Title',
    '```sh no-run',
    'npm start',
    '```',
    '## Step one',
    '```json',
    '{"not": "shell"}',
    '```',
    '```sh',
    'export A=1',
    '```',
    '### Wait',
    '```sh id=long-wait',
    'echo "$A"',
    '```',
  ].join('\n');

  it('ok/finds the sh blocks in order with their heading, line, run mark and id; other languages are not blocks', () => {
    expect(shellBlocks(page)).toEqual([
      { index: 1, line: 2, heading: 'Title', run: false, script: 'npm start' },
      { index: 2, line: 9, heading: 'Step one', run: true, script: 'export A=1' },
      { index: 3, line: 13, heading: 'Wait', run: true, id: 'long-wait', script: 'echo "$A"' },
    ]);
  });

  it('fail/an unknown fence word or an unclosed fence is refused, so a typo cannot silently skip a block', () => {
    expect(() => shellBlocks('```sh norun\nx\n```')).toThrow(/unknown fence words norun/);
    expect(() => shellBlocks('```sh\nx\n')).toThrow(/never closes/);
  });

  it('ok/a later block sees what an earlier one exported, and a failing command fails its block', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-blocks-'));
    const state = join(dir, "it's state");
    const [, first, second] = shellBlocks(page);
    execFileSync('bash', ['-c', blockScript(first, state)], { cwd: dir });
    expect(execFileSync('bash', ['-c', blockScript(second, state)], { cwd: dir, encoding: 'utf8' }).trim()).toBe('1');
    const failing = { ...second, script: 'false | cat\necho never' };
    expect(() => execFileSync('bash', ['-c', blockScript(failing, state)], { cwd: dir, stdio: 'pipe' })).toThrow();
  });

  it('ok/docs/quickstart.md parses: its runnable blocks cover the five steps, and the README lists it first', () => {
    const blocks = shellBlocks(readFileSync(join(ROOT, 'docs', 'quickstart.md'), 'utf8'));
    const runnable = blocks.filter((b) => b.run);
    expect(blocks.find((b) => !b.run)?.script).toContain('npm start');
    expect(runnable.some((b) => b.script.includes('npm start'))).toBe(false);
    for (const must of ['openssl verify', 'certbot certonly', 'openssl ocsp', 'crl', 'hook.log', '/versions']) {
      expect(runnable.map((b) => b.script).join('\n')).toContain(must);
    }
    // Step 5 renews a 10-minute certificate as written: no block needs a test hook (id=).
    expect(runnable.map((b) => b.id).filter(Boolean)).toEqual([]);
    expect(runnable.map((b) => b.script).join('\n')).toContain('"max_validity_seconds": 600');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(/docs\/[\w-]+\.md/.exec(readme.slice(readme.indexOf('See ')))?.[0]).toBe('docs/quickstart.md');
  });
});
