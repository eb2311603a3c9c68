import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverFileSets, writeFileAtomic, writeFileSet } from './file-set';

function dirs() {
  const root = mkdtempSync(join(tmpdir(), 'agent-fileset-'));
  const out = join(root, 'out');
  const state = join(root, 'state');
  mkdirSync(out);
  return { out, state, at: (name: string) => join(out, name) };
}

describe('file sets', () => {
  it('installs every file with its mode, keeps no journal, and restore puts the previous set back', async () => {
    const { out, state, at } = dirs();
    writeFileSync(at('cert.pem'), 'old cert');
    const backup = await writeFileSet(state, [
      { path: at('cert.pem'), content: 'new cert', mode: 0o644 },
      { path: at('key.pem'), content: 'new key', mode: 0o600 },
    ]);
    expect(readFileSync(at('cert.pem'), 'utf8')).toBe('new cert');
    expect(statSync(at('key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(at('cert.pem')).mode & 0o777).toBe(0o644);
    expect(readdirSync(state).filter((name) => name.startsWith('fileset-'))).toEqual([]);
    expect(backup.files).toEqual([
      { path: at('cert.pem'), hadPrevious: true },
      { path: at('key.pem'), hadPrevious: false },
    ]);

    await backup.restore();
    expect(readFileSync(at('cert.pem'), 'utf8')).toBe('old cert');
    expect(existsSync(at('key.pem'))).toBe(false);
    expect(readdirSync(out).filter((name) => name.endsWith('.certctl-new'))).toEqual([]);
  });

  it('recovery rolls a committed journal forward: every file is the new one', async () => {
    const { state, at } = dirs();
    mkdirSync(state);
    writeFileSync(at('cert.pem'), 'old cert');
    writeFileSync(at('key.pem'), 'old key');
    // The crash: both new files were complete and the journal committed, one rename had happened.
    writeFileSync(at('cert.pem'), 'new cert');
    writeFileSync(at('key.pem.certctl-new'), 'new key');
    const files = [
      { path: at('cert.pem'), hadPrevious: true },
      { path: at('key.pem'), hadPrevious: true },
    ];
    writeFileSync(join(state, 'fileset-j1.json'), JSON.stringify({ id: 'j1', committed: true, files }));

    const settled = await recoverFileSets(state);
    expect(settled).toEqual({ rolledForward: [[at('cert.pem'), at('key.pem')]], discarded: [] });
    expect([readFileSync(at('cert.pem'), 'utf8'), readFileSync(at('key.pem'), 'utf8')]).toEqual(['new cert', 'new key']);
    expect(existsSync(at('key.pem.certctl-new'))).toBe(false);
    expect(readdirSync(state)).toEqual([]);
  });

  it('recovery discards an uncommitted journal: every file stays the old one', async () => {
    const { state, at } = dirs();
    mkdirSync(state);
    writeFileSync(at('cert.pem'), 'old cert');
    writeFileSync(at('key.pem'), 'old key');
    writeFileSync(at('cert.pem.certctl-new'), 'new cert');
    writeFileSync(at('key.pem.certctl-new'), 'new k'); // half written when the process died
    const files = [
      { path: at('cert.pem'), hadPrevious: true },
      { path: at('key.pem'), hadPrevious: true },
    ];
    writeFileSync(join(state, 'fileset-j2.json'), JSON.stringify({ id: 'j2', committed: false, files }));
    writeFileSync(join(state, 'fileset-j3.json.tmp'), '{"id":"j3","comm');

    const settled = await recoverFileSets(state);
    expect(settled).toEqual({ rolledForward: [], discarded: [[at('cert.pem'), at('key.pem')]] });
    expect([readFileSync(at('cert.pem'), 'utf8'), readFileSync(at('key.pem'), 'utf8')]).toEqual(['old cert', 'old key']);
    expect(existsSync(at('cert.pem.certctl-new')) || existsSync(at('key.pem.certctl-new'))).toBe(false);
    expect(readdirSync(state)).toEqual([]);
  });

  it('writeFileAtomic replaces a file whole with the given mode', async () => {
    const { at } = dirs();
    writeFileSync(at('state.json'), 'old');
    await writeFileAtomic(at('state.json'), '{"a":1}', 0o600);
    expect(readFileSync(at('state.json'), 'utf8')).toBe('{"a":1}');
    expect(statSync(at('state.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(at('state.json.certctl-new'))).toBe(false);
  });
});
