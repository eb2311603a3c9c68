import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CryptoKey } from '../provider';
import { cms } from './engine';
import {
  ScepFailure,
  ScepMalformed,
  buildCertRep,
  certRepStatus,
  certsOf,
  certsOnly,
  openEnvelope,
  parsePkiMessage,
  readCertPoll,
  readScepCsr,
  replyCipherOid,
  sealEnvelope,
} from './index';

const FIXTURES = join(__dirname, '../../test/fixtures/scep');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const raCertDer = Buffer.from(new X509Certificate(fixture('ra.pem')).raw);
const raKey = createPrivateKey(fixture('ra.key'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scep-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[], input?: Buffer): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A requester as scepclient makes one: an RSA key and a self-signed certificate (from openssl). */
function requester(cn: string): { certDer: Buffer; keyFile: string; certFile: string } {
  const keyFile = join(dir, `${cn}.key`);
  const certFile = join(dir, `${cn}.pem`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${cn}`, '-days', '1']);
  return { certDer: Buffer.from(new X509Certificate(readFileSync(certFile)).raw), keyFile, certFile };
}

async function raSigningKey(): Promise<CryptoKey> {
  const pkcs8 = raKey.export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

describe('SCEP request parsing (a real scepclient PKCSReq)', () => {
  it('reads messageType, transactionID and nonce, and verifies the signature with the enclosed signer certificate', async () => {
    const msg = await parsePkiMessage(fixture('scepclient-pkcsreq.der'));
    expect(msg.messageType).toBe('19');
    expect(msg.transactionId).toBe('2wHXZfFcxOEuNL9gHnsau1ZxI00=');
    expect(msg.senderNonce).toHaveLength(16);
    expect(msg.signatureValid).toBe(true);
    expect(new X509Certificate(msg.signerCertDer).subject).toContain('CN=SCEP SIGNER');
  });

  it('decrypts the single-DES envelope with the RA key and finds the CSR and its challengePassword', async () => {
    const msg = await parsePkiMessage(fixture('scepclient-pkcsreq.der'));
    const opened = openEnvelope(msg.envelopeDer, raKey);
    expect(opened.cipherOid).toBe('1.3.14.3.2.7');
    const csr = readScepCsr(opened.content);
    expect(csr.challengePassword).toBe('secret');
    const text = openssl(['req', '-inform', 'DER', '-noout', '-subject', '-verify'], csr.csrDer);
    expect(text).toContain('CN = test1');
  });

  it('reads a message that sits in a slice of a larger buffer (a request body from a pool) the same way', async () => {
    const pooled = Buffer.concat([Buffer.alloc(13, 0xff), fixture('scepclient-pkcsreq.der'), Buffer.alloc(7)]);
    const slice = pooled.subarray(13, pooled.length - 7);
    const msg = await parsePkiMessage(slice);
    expect(msg.signatureValid).toBe(true);
    const envelope = Buffer.concat([Buffer.alloc(5), msg.envelopeDer]).subarray(5);
    expect(readScepCsr(openEnvelope(envelope, raKey).content).challengePassword).toBe('secret');
  });

  it('marks a message whose signed attributes were altered as not verified', async () => {
    const der = Buffer.from(fixture('scepclient-pkcsreq.der'));
    const at = der.indexOf(Buffer.from('2wHXZfFcxOEuNL9gHnsau1ZxI00='));
    der[at] = 'X'.charCodeAt(0);
    const msg = await parsePkiMessage(der);
    expect(msg.transactionId).toBe('XwHXZfFcxOEuNL9gHnsau1ZxI00=');
    expect(msg.signatureValid).toBe(false);
  });

  it('refuses bytes that are not CMS as malformed, and never yields the request from an envelope for another key', async () => {
    await expect(parsePkiMessage(Buffer.from('not cms at all'))).rejects.toBeInstanceOf(ScepMalformed);
    const truncated = fixture('scepclient-pkcsreq.der').subarray(0, 900);
    await expect(parsePkiMessage(truncated)).rejects.toBeInstanceOf(ScepMalformed);
    const msg = await parsePkiMessage(fixture('scepclient-pkcsreq.der'));
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    // The content key is unwrapped without a padding oracle (a wrong key yields a random key), so
    // about one wrong key in 256 passes the CBC padding check by chance: the bytes it yields are
    // then no PKCS#10 request. Either way the requester gets a typed SCEP failure, never a CSR.
    let failure: unknown;
    try {
      readScepCsr(openEnvelope(msg.envelopeDer, other).content);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(ScepFailure);
    expect(['badMessageCheck', 'badRequest']).toContain((failure as ScepFailure).failInfo);
  });

  it('refuses envelope content that is not a CSR, and a CertPoll content that is not IssuerAndSubject', () => {
    expect(() => readScepCsr(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]))).toThrow(/PKCS#10/);
    expect(() => readCertPoll(Buffer.from([0x04, 0x00]))).toThrow(/IssuerAndSubject/);
  });
});

describe('SCEP replies, read back by openssl', () => {
  it('seals a certs-only envelope that openssl decrypts with the requester key (AES and 3DES)', () => {
    const who = requester('device-1');
    for (const oid of ['2.16.840.1.101.3.4.1.42', replyCipherOid('1.3.14.3.2.7')]) {
      const envelope = sealEnvelope(certsOnly([raCertDer, who.certDer]), who.certDer, oid);
      const inner = execFileSync(
        'openssl',
        ['cms', '-decrypt', '-inform', 'DER', '-recip', who.certFile, '-inkey', who.keyFile, '-binary'],
        {
          input: envelope,
        },
      );
      const printed = openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], inner);
      expect(printed).toContain('subject=C = US, O = scep-ca, OU = SCEP CA');
      expect(printed).toContain('subject=CN = device-1');
    }
    expect(replyCipherOid('1.3.14.3.2.7')).toBe('1.2.840.113549.3.7');
  });

  it('round-trips its own envelope (3DES and AES-128) through openEnvelope', () => {
    for (const oid of ['1.2.840.113549.3.7', '2.16.840.1.101.3.4.1.2']) {
      const sealed = sealEnvelope(Buffer.from('hello scep'), raCertDer, oid);
      expect(openEnvelope(sealed, raKey)).toEqual({ content: Buffer.from('hello scep'), cipherOid: oid });
    }
  });

  it('signs a SUCCESS CertRep that openssl verifies against the RA certificate', async () => {
    const who = requester('device-2');
    const envelopeDer = sealEnvelope(certsOnly([who.certDer]), who.certDer, '2.16.840.1.101.3.4.1.2');
    const der = await buildCertRep({
      transactionId: 'tx-1',
      recipientNonce: Buffer.alloc(16, 7),
      status: 'SUCCESS',
      envelopeDer,
      raCertDer,
      raKey: await raSigningKey(),
    });
    const raFile = join(dir, 'ra.pem');
    writeFileSync(raFile, fixture('ra.pem'));
    const content = execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', raFile, '-purpose', 'any', '-binary'], {
      input: der,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(content.equals(envelopeDer)).toBe(true);
    expect(certRepStatus(der)).toMatchObject({ pkiStatus: '0', transactionId: 'tx-1' });
    // Signed attributes in DER SET OF order, as verifiers that re-encode them (Go's) expect.
    const attrs = cms().ContentInfo.fromBER(der);
    const signerAttrs = new (cms().SignedData)({ schema: attrs.content }).signerInfos[0]!.signedAttrs!.attributes;
    const encodings = signerAttrs.map((a) => Buffer.from(a.toSchema().toBER()));
    expect(encodings).toEqual([...encodings].sort(Buffer.compare));
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], der);
    expect(printed).toContain('2.16.840.1.113733.1.9.6');
    expect(printed).toContain('07 07 07 07');
  });

  it('signs a FAILURE CertRep with failInfo and no envelope', async () => {
    const der = await buildCertRep({
      transactionId: 'tx-2',
      recipientNonce: Buffer.alloc(16, 1),
      status: 'FAILURE',
      failInfo: 'badRequest',
      failInfoText: 'wrong challenge password',
      raCertDer,
      raKey: await raSigningKey(),
    });
    expect(certRepStatus(der)).toEqual({ pkiStatus: '2', failInfo: '2', transactionId: 'tx-2', envelopeDer: undefined });
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER'], der);
    expect(printed).toMatch(/2\.16\.840\.1\.113733\.1\.9\.4[\s\S]*?PRINTABLESTRING:2/);
    await expect(
      buildCertRep({ transactionId: 't', recipientNonce: Buffer.alloc(0), status: 'FAILURE', raCertDer, raKey: await raSigningKey() }),
    ).rejects.toThrow(/failInfo/);
  });

  it('lists certificates of a degenerate certs-only message in order, as openssl does', () => {
    const who = requester('device-3');
    const der = certsOnly([raCertDer, who.certDer]);
    expect(certsOf(der).map((c) => new X509Certificate(c).subject)).toEqual([new X509Certificate(raCertDer).subject, 'CN=device-3']);
    const printed = openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], der);
    expect(printed.indexOf('SCEP CA')).toBeLessThan(printed.indexOf('device-3'));
  });
});
