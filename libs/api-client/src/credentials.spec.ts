import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskKey, resolveApiKey } from './credentials';
import { ExitCode } from './errors';

describe('the API key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-key-'));
  const file = join(dir, 'key');
  writeFileSync(file, 'from-file-key\n');

  it('comes from --api-key-file, then --api-key, then CERTCTL_API_KEY', () => {
    const env = { CERTCTL_API_KEY: 'from-env' };
    expect(resolveApiKey({ apiKeyFile: file, apiKey: 'argv' }, env)).toBe('from-file-key');
    expect(resolveApiKey({ apiKey: 'argv' }, env)).toBe('argv');
    expect(resolveApiKey({}, env)).toBe('from-env');
    expect(resolveApiKey({}, {})).toBeUndefined();
  });

  it('an unreadable or empty key file is a usage error naming the file', () => {
    expect(() => resolveApiKey({ apiKeyFile: join(dir, 'missing') }, {})).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
    writeFileSync(join(dir, 'empty'), '\n');
    expect(() => resolveApiKey({ apiKeyFile: join(dir, 'empty') }, {})).toThrow(/is empty/);
  });

  it('is masked to a short prefix and its length', () => {
    const key = 'ck_live_0123456789abcdef0123456789abcdef';
    expect(maskKey(key)).toBe(`ck_liv…(${key.length} chars)`);
    expect(maskKey(key)).not.toContain(key.slice(6));
    expect(maskKey(undefined)).toBe('(none)');
    expect(maskKey('abcd')).toBe('a…(4 chars)'); // at most a quarter of a short key
  });
});
