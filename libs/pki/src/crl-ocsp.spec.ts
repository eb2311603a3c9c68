import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRootCa } from './ca';
import { signLeaf } from './certificate';
import { buildCrl } from './crl';
import { derToPem } from './pem';
import { exportPrivateKeyPem, exportSpki, generateKeyPair } from './keys';
import { issuerCertIdHashes, OcspSigner, ocspErrorResponse, parseOcspRequest } from './ocsp';
import { signOcspResponder } from './ocsp-responder';
import { x509 } from './provider';
import { openssl, opensslOk, scratchDir } from '../test/openssl';

describe('CRL and OCSP encoding', () => {
  const dir = scratchDir();
  afterAll(() => dir.cleanup());
  let ca: Awaited<ReturnType<typeof createRootCa>>;
  let leaf: Awaited<ReturnType<typeof signLeaf>>;
  let other: Awaited<ReturnType<typeof signLeaf>>;

  beforeAll(async () => {
    ca = await createRootCa({ commonName: 'Test CA', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
    const k = await generateKeyPair('ECDSA-P256');
    leaf = await signLeaf({ issuer: ca, subjectPublicKey: k.publicKey, commonName: 'a.example.com', sans: [] });
    other = await signLeaf({ issuer: ca, subjectPublicKey: k.publicKey, commonName: 'b.example.com', sans: [] });
  });

  it('ok/CRL: openssl parses it and lists the serial, reason, number and AKI; verify -crl_check fails for the revoked leaf', async () => {
    const now = new Date();
    const der = await buildCrl({
      issuer: ca,
      crlNumber: 42n,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + 3600e3),
      entries: [{ serialNumber: leaf.serialNumber, revocationDate: now, reasonCode: 1 }],
    });
    const crlPath = dir.write('a.crl', '');
    writeFileSync(crlPath, der);
    const text = opensslOk(['crl', '-inform', 'DER', '-in', crlPath, '-noout', '-text']);
    expect(text).toContain(`Serial Number: ${leaf.serialNumber.toUpperCase()}`);
    expect(text).toContain('Key Compromise');
    expect(text).toMatch(/X509v3 CRL Number:\s+42/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    const crlPem = dir.write('a.crl.pem', derToPem(der, 'X509 CRL'));
    const caPath = dir.write('ca.pem', ca.certificatePem);
    const bad = openssl(['verify', '-crl_check', '-CAfile', caPath, '-CRLfile', crlPem, dir.write('leaf.pem', leaf.certificatePem)]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('certificate revoked');
    const good = openssl(['verify', '-crl_check', '-CAfile', caPath, '-CRLfile', crlPem, dir.write('other.pem', other.certificatePem)]);
    expect(good.stdout).toContain('OK');
    const parsed = new x509.X509Crl(der);
    expect(await parsed.verify({ publicKey: ca.publicKey })).toBe(true);
  });

  it('ok/CRL: an empty CRL is valid', async () => {
    const der = await buildCrl({ issuer: ca, crlNumber: 1n, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 1e6), entries: [] });
    const p = dir.write('empty.crl', '');
    writeFileSync(p, der);
    expect(opensslOk(['crl', '-inform', 'DER', '-in', p, '-noout', '-text'])).toContain('No Revoked Certificates');
  });

  it.each([
    ['fail/bad serial', { serialNumber: 'XYZ', revocationDate: new Date(), reasonCode: 1 }],
    ['fail/bad reason', { serialNumber: 'ab', revocationDate: new Date(), reasonCode: 8 }],
  ])('%s', async (_n, entry) => {
    await expect(
      buildCrl({ issuer: ca, crlNumber: 2n, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 1e6), entries: [entry] }),
    ).rejects.toThrow(/bad/);
  });

  it('ok/OCSP: an openssl request parses, and openssl verifies good and revoked responses with the nonce', async () => {
    const rk = await generateKeyPair('ECDSA-P256');
    const responder = await signOcspResponder({
      issuer: ca,
      subjectPublicKeySpki: await exportSpki(rk.publicKey),
      commonName: 'OCSP responder',
      validityDays: 7,
    });
    const certText = opensslOk(['x509', '-noout', '-text'], responder.certificatePem);
    expect(certText).toContain('OCSP Signing');
    expect(certText).toContain('OCSP No Check');
    const signer = new OcspSigner(responder.certificatePem, await exportPrivateKeyPem(rk.privateKey));
    const caPath = dir.write('ca2.pem', ca.certificatePem);
    const leafPath = dir.write('leaf2.pem', leaf.certificatePem);
    const reqPath = `${dir.dir}/req.der`;
    opensslOk(['ocsp', '-issuer', caPath, '-cert', leafPath, '-reqout', reqPath]);
    const req = parseOcspRequest(readFileSync(reqPath));
    expect(req.certs).toHaveLength(1);
    expect(req.certs[0]!.serialNumber).toBe(leaf.serialNumber);
    expect(req.nonceExtension).toBeDefined();
    const hashes = issuerCertIdHashes(ca.certificatePem)[req.certs[0]!.hash];
    expect(req.certs[0]!.issuerNameHash).toBe(hashes.name);
    expect(req.certs[0]!.issuerKeyHash).toBe(hashes.key);

    for (const result of [{ status: 'good' as const }, { status: 'revoked' as const, revokedAt: new Date(), reasonCode: 1 }]) {
      const now = new Date();
      const resp = signer.sign(
        [{ certId: req.certs[0]!, result, thisUpdate: now, nextUpdate: new Date(now.getTime() + 3600e3) }],
        now,
        req.nonceExtension,
      );
      const respPath = `${dir.dir}/resp-${result.status}.der`;
      writeFileSync(respPath, resp);
      const out = openssl(['ocsp', '-respin', respPath, '-CAfile', caPath, '-reqin', reqPath, '-resp_text']);
      expect(out.stderr).toContain('Response verify OK');
      expect(out.stdout).toContain(`Cert Status: ${result.status}`);
      expect(out.stdout).toContain('OCSP Nonce');
      if (result.status === 'revoked') expect(out.stdout).toContain('keyCompromise');
    }
  });

  it('ok/OCSP: the malformedRequest response is what openssl expects', () => {
    const p = `${dir.dir}/err.der`;
    writeFileSync(p, ocspErrorResponse('malformedRequest'));
    const out = openssl(['ocsp', '-respin', p, '-resp_text', '-noverify']);
    expect(out.stdout + out.stderr).toMatch(/malformedrequest/i);
  });

  it.each([
    ['fail/empty', Buffer.alloc(0)],
    ['fail/random bytes', randomBytes(300)],
    ['fail/truncated', Buffer.from('3082010a30', 'hex')],
    ['fail/huge', Buffer.alloc(100_000, 0x30)],
    ['fail/a certificate instead of a request', Buffer.from('308201')],
    ['fail/sequence of nothing', Buffer.from('3000', 'hex')],
  ])('%s: parseOcspRequest throws bad_ocsp_request', (_n, der) => {
    expect(() => parseOcspRequest(der)).toThrow(expect.objectContaining({ code: 'bad_ocsp_request' }));
  });

  it('fail/trailing bytes after the DER request are bad_ocsp_request; the request alone parses', () => {
    const der = readFileSync(`${dir.dir}/req.der`);
    expect(parseOcspRequest(der).certs).toHaveLength(1);
    for (const extra of [Buffer.from([0]), Buffer.from('0500', 'hex')]) {
      expect(() => parseOcspRequest(Buffer.concat([der, extra]))).toThrow(
        expect.objectContaining({ code: 'bad_ocsp_request', message: expect.stringMatching(/trailing byte/) }),
      );
    }
  });

  it('fail/wrong hash OID: a request with an unknown hash algorithm is rejected', () => {
    const reqPath = `${dir.dir}/req.der`;
    const der = Buffer.from(readFileSync(reqPath));
    const sha1Oid = Buffer.from('06052b0e03021a', 'hex');
    const at = der.indexOf(sha1Oid);
    expect(at).toBeGreaterThan(0);
    der[at + 6] = 0x1b; // 1.3.14.3.2.27, not a hash we accept
    expect(() => parseOcspRequest(der)).toThrow(/unsupported hash|not an OCSP/);
  });
});
