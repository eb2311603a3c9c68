import { createDecipheriv } from 'node:crypto';
import { PkiError } from './errors';
import { SecretBox } from './secret-box';
import { opensslOk } from '../test/openssl';

const K1 = 'k1-0123456789abcdef0123456789abcdef';
const K2 = 'k2-fedcba9876543210fedcba9876543210';

function pkiCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PkiError);
    return (e as PkiError).code;
  }
  throw new Error('expected a PkiError');
}

/** HKDF-SHA256 computed independently by the openssl CLI. */
function opensslHkdf(secret: string, version: number): Buffer {
  const out = opensslOk([
    'kdf',
    '-keylen',
    '32',
    '-kdfopt',
    'digest:SHA256',
    '-kdfopt',
    `key:${secret}`,
    '-kdfopt',
    'salt:certctl-ts secret box',
    '-kdfopt',
    `info:v${version}`,
    'HKDF',
  ]);
  return Buffer.from(out.trim().replace(/:/g, ''), 'hex');
}

describe('SecretBox', () => {
  const box = SecretBox.fromSecret(K1);

  it.each<[string, string | Buffer, string | undefined]>([
    ['ok/string', '-----BEGIN PRIVATE KEY-----\nMIG...\n', undefined],
    ['ok/empty string', '', undefined],
    ['ok/binary buffer', Buffer.from([0, 1, 2, 255, 254]), undefined],
    ['ok/unicode with aad', 'pässwörd ✓', 'ca_keys:42'],
    ['ok/large', Buffer.alloc(100_000, 7), 'big'],
  ])('%s: round trip', (_name, plaintext, aad) => {
    const blob = box.encrypt(plaintext, aad);
    const expected = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    expect(box.decrypt(blob, aad).equals(expected)).toBe(true);
    expect(blob.length).toBe(1 + 4 + 12 + 16 + expected.length);
    expect(box.keyVersionOf(blob)).toBe(1);
  });

  it('ok/blob layout: format 1 | version BE | IV | tag | ciphertext, decryptable with an openssl-derived HKDF key', () => {
    const rotated = new SecretBox({ 1: K1, 258: K2 }, 258);
    const blob = rotated.encrypt('hello', 'aad');
    expect(blob[0]).toBe(1);
    expect(blob.subarray(1, 5).toString('hex')).toBe('00000102');
    const key = opensslHkdf(K2, 258);
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(5, 17));
    d.setAAD(Buffer.from('aad'));
    d.setAuthTag(blob.subarray(17, 33));
    expect(Buffer.concat([d.update(blob.subarray(33)), d.final()]).toString()).toBe('hello');
  });

  it('ok/fresh IV per encryption', () => {
    const a = box.encrypt('same');
    const b = box.encrypt('same');
    expect(a.subarray(5, 17).equals(b.subarray(5, 17))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(box.decryptString(a)).toBe('same');
  });

  it.each<[string, number]>([
    ['fail/format byte', 0],
    ['fail/version byte', 4],
    ['fail/IV', 10],
    ['fail/tag', 20],
    ['fail/ciphertext', 40],
  ])('%s tampered → decrypt_failed', (_name, offset) => {
    const blob = box.encrypt('a secret private key value');
    const t = Buffer.from(blob);
    t[offset] = (t[offset] as number) ^ 0x01;
    expect(pkiCode(() => box.decrypt(t))).toBe('decrypt_failed');
    expect(box.decryptString(blob)).toBe('a secret private key value');
  });

  it.each<[string, () => unknown]>([
    ['fail/wrong key (same version)', () => SecretBox.fromSecret(K2).decrypt(box.encrypt('x'))],
    ['fail/aad mismatch', () => box.decrypt(box.encrypt('x', 'row:1'), 'row:2')],
    ['fail/aad missing on decrypt', () => box.decrypt(box.encrypt('x', 'row:1'))],
    ['fail/aad added on decrypt', () => box.decrypt(box.encrypt('x'), 'row:1')],
    ['fail/unknown key version', () => box.decrypt(new SecretBox({ 7: K1 }, 7).encrypt('x'))],
    ['fail/truncated blob', () => box.decrypt(box.encrypt('x').subarray(0, 20))],
    ['fail/empty blob', () => box.decrypt(Buffer.alloc(0))],
    ['fail/not a buffer', () => box.decrypt('abc' as unknown as Buffer)],
    ['fail/keyVersionOf garbage', () => box.keyVersionOf(Buffer.alloc(40, 9))],
  ])('%s → decrypt_failed', (_name, fn) => {
    expect(pkiCode(fn)).toBe('decrypt_failed');
  });

  it('ok/rotation: {1,2} current 2 decrypts v1 blobs and encrypts as v2; v1-only box cannot read v2', () => {
    const v1Blob = box.encrypt('old secret', 'aad');
    const rotated = new SecretBox({ 1: K1, 2: K2 }, 2);
    expect(rotated.currentVersion).toBe(2);
    expect(rotated.versions).toEqual([1, 2]);
    expect(rotated.decryptString(v1Blob, 'aad')).toBe('old secret');
    expect(rotated.needsRotation(v1Blob)).toBe(true);

    const v2Blob = rotated.rotate(v1Blob, 'aad');
    expect(rotated.keyVersionOf(v2Blob)).toBe(2);
    expect(rotated.needsRotation(v2Blob)).toBe(false);
    expect(rotated.decryptString(v2Blob, 'aad')).toBe('old secret');
    expect(rotated.keyVersionOf(rotated.encrypt('new'))).toBe(2);
    expect(pkiCode(() => box.decrypt(v2Blob, 'aad'))).toBe('decrypt_failed');
  });

  it('ok/keys never leak through JSON or inspection', () => {
    const s = JSON.stringify({ box }) + String(Object.keys(box));
    expect(s).not.toContain(K1);
    expect(s).toContain('SecretBox(v1)');
  });

  it.each<[string, () => unknown]>([
    ['fail/secret shorter than 32 chars', () => SecretBox.fromSecret('short')],
    ['fail/current version missing', () => new SecretBox({ 1: K1 }, 2)],
    ['fail/version 0', () => new SecretBox({ 0: K1 }, 0)],
    ['fail/non-integer version', () => new SecretBox({ 1.5: K1 } as Record<number, string>, 1.5)],
    ['fail/non-string secret', () => new SecretBox({ 1: 12345 as unknown as string }, 1)],
    ['fail/no keys', () => new SecretBox(undefined as unknown as Record<number, string>, 1)],
  ])('%s → invalid_key', (_name, fn) => {
    expect(pkiCode(fn)).toBe('invalid_key');
  });
});
