import { PkiError } from './errors';
import { derToPem, fingerprintSha256, pemBlocks, pemToDer, splitPemChain } from './pem';

const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

function pkiCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PkiError);
    return (e as PkiError).code;
  }
  throw new Error('expected a PkiError');
}

describe('pem', () => {
  it('ok/derToPem wraps at 64 columns and round-trips through pemToDer', () => {
    const der = bytes(200);
    const pem = derToPem(der, 'CERTIFICATE');
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines[lines.length - 1]).toBe('-----END CERTIFICATE-----');
    expect(lines.slice(1, -1).every((l) => l.length <= 64)).toBe(true);
    expect(lines[1]).toHaveLength(64);
    expect(pem.endsWith('\n')).toBe(true);
    expect(pemToDer(pem).equals(der)).toBe(true);
  });

  it('ok/pemToDer tolerates CRLF, indentation and surrounding text', () => {
    const der = bytes(70, 7);
    const messy = `subject=CN=x\r\n  ${derToPem(der, 'PRIVATE KEY').replace(/\n/g, '\r\n  ')}trailing`;
    expect(pemToDer(messy).equals(der)).toBe(true);
  });

  it('ok/splitPemChain returns each CERTIFICATE block normalized, skipping other labels', () => {
    const [a, b] = [bytes(90, 1), bytes(120, 2)];
    const bundle = [derToPem(a, 'CERTIFICATE'), derToPem(bytes(10), 'PRIVATE KEY'), derToPem(b, 'CERTIFICATE').replace(/\n/g, '\r\n')].join(
      '\n',
    );
    expect(splitPemChain(bundle)).toEqual([derToPem(a, 'CERTIFICATE'), derToPem(b, 'CERTIFICATE')]);
    expect(splitPemChain('no pem here')).toEqual([]);
    expect(pemBlocks(bundle).map((x) => x.label)).toEqual(['CERTIFICATE', 'PRIVATE KEY', 'CERTIFICATE']);
  });

  it('ok/fingerprintSha256 accepts PEM or DER and is lowercase hex without colons', () => {
    const der = bytes(50);
    const fp = fingerprintSha256(der);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintSha256(derToPem(der, 'CERTIFICATE'))).toBe(fp);
    expect(fingerprintSha256(new Uint8Array(der))).toBe(fp);
    expect(fingerprintSha256(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each<[string, () => unknown, string]>([
    ['fail/pemToDer without a block', () => pemToDer('garbage'), 'bad_pem'],
    ['fail/pemToDer of a non-string', () => pemToDer(undefined as unknown as string), 'bad_pem'],
    ['fail/invalid base64 body', () => pemToDer('-----BEGIN X-----\n@@@@\n-----END X-----'), 'bad_pem'],
    ['fail/empty body', () => pemToDer('-----BEGIN X-----\n-----END X-----'), 'bad_pem'],
    ['fail/mismatched END label', () => pemToDer('-----BEGIN A-----\nAAAA\n-----END B-----'), 'bad_pem'],
    ['fail/invalid label', () => derToPem(bytes(3), 'bad\nlabel'), 'bad_pem'],
    ['fail/fingerprint of a non-certificate PEM', () => fingerprintSha256(derToPem(bytes(3), 'PRIVATE KEY')), 'bad_certificate'],
    ['fail/fingerprint of garbage', () => fingerprintSha256('garbage'), 'bad_certificate'],
    ['fail/fingerprint of null', () => fingerprintSha256(null as unknown as string), 'bad_certificate'],
  ])('%s', (_name, fn, code) => {
    expect(pkiCode(fn)).toBe(code);
  });
});
