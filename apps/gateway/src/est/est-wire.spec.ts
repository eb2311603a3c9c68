import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { AppError } from '@certctl/contracts';
import { derToPem } from '@certctl/pki';
import { base64Lines, certsOfPkcs7, certsOnly, csrAttrs, derOfBase64Body, multipartMixed } from './est-wire';

async function selfSigned(cn: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: alg,
    notAfter: new Date(Date.now() + 86_400_000),
  });
  return cert.toString('pem');
}

describe('EST wire formats', () => {
  it('certs-only PKCS#7 holds each certificate once and openssl pkcs7 prints them', async () => {
    const [a, b] = [await selfSigned('a.test'), await selfSigned('b.test')];
    const der = certsOnly([a, `${b}\n${a}`]);
    expect(certsOfPkcs7(der)).toHaveLength(2);
    const dir = mkdtempSync(join(tmpdir(), 'est-wire-'));
    writeFileSync(join(dir, 'p7.der'), der);
    const printed = execFileSync('openssl', ['pkcs7', '-inform', 'DER', '-in', join(dir, 'p7.der'), '-print_certs'], { encoding: 'utf8' });
    expect(printed).toContain('subject=CN = a.test');
    expect(printed).toContain('subject=CN = b.test');
  });

  it('csrattrs: EC keys name their curve and ECDSA-with-SHA-256; RSA names rsaEncryption; channel binding asks for challengePassword', () => {
    const parse = (der: Buffer) => execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: der, encoding: 'utf8' });
    const ec = parse(csrAttrs('ECDSA-P256', false));
    expect(ec).toContain('id-ecPublicKey');
    expect(ec).toContain('prime256v1');
    expect(ec).toContain('ecdsa-with-SHA256');
    expect(parse(csrAttrs('RSA-2048', false))).toContain('rsaEncryption');
    expect(parse(csrAttrs('ECDSA-P384', true))).toMatch(/challengePassword[\s\S]*secp384r1/);
  });

  it('base64 bodies: line breaks and PEM armour are accepted; empty, non-base64 and non-DER bodies are a 400', async () => {
    const der = Buffer.from(new x509.X509Certificate(await selfSigned('c.test')).rawData);
    expect(derOfBase64Body(Buffer.from(base64Lines(der)), 'thing')).toEqual(der);
    expect(derOfBase64Body(Buffer.from(derToPem(der, 'CERTIFICATE REQUEST')), 'thing')).toEqual(der);
    for (const bad of ['', '!!!!', 'aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=', Buffer.from([0xff, 0x00, 0x13]).toString('latin1')]) {
      expect(() => derOfBase64Body(Buffer.from(bad, 'latin1'), 'thing')).toThrow(AppError);
    }
    expect(() => derOfBase64Body(undefined, 'thing')).toThrow(/base64/);
  });

  it('multipart/mixed: one part per item with its type and base64 encoding, closed by the final boundary', () => {
    const body = multipartMixed(
      [
        { type: 'application/pkcs8', der: Buffer.from([1, 2, 3]) },
        { type: 'text/x', der: Buffer.from([4]) },
      ],
      'b0',
    );
    expect(body.toString()).toBe(
      '--b0\r\nContent-Type: application/pkcs8\r\nContent-Transfer-Encoding: base64\r\n\r\nAQID\r\n' +
        '--b0\r\nContent-Type: text/x\r\nContent-Transfer-Encoding: base64\r\n\r\nBA==\r\n--b0--\r\n',
    );
  });
});
