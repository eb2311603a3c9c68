// Every kind of certificate, CRL and OCSP response the platform signs, made with libs/pki the
// way the services call it (same extensions, URLs, lifetimes and key algorithms), for the
// linters to judge. The running stack's own output is linted by stack.conformance-spec.ts.
import {
  KEY_ALGORITHMS,
  OcspSigner,
  buildCrl,
  createIntermediateCa,
  createRootCa,
  exportPrivateKeyPem,
  exportSpki,
  generateKeyPair,
  issuerCertIdHashes,
  pemToDer,
  signLeaf,
  signOcspResponder,
  type CreatedCa,
  type KeyAlgorithm,
  type OcspCertId,
} from '@certctl/pki';

/** What a linter gets: one DER object and how to read it. */
export interface LintSubject {
  name: string;
  kind: 'certificate' | 'crl' | 'ocsp';
  /** For certificates: which pkilint profile fits (tls server, S/MIME, OCSP responder or plain RFC 5280). */
  role?: 'ca' | 'tls-server' | 'tls-client' | 'smime' | 'ocsp-responder';
  der: Buffer;
}

/** CERTCTL_PUBLIC_BASE_URL, which the services put into CRL distribution points and AIA (plain http, as RFC 5280 expects). */
export const BASE_URL = 'http://certctl.example.com';
const crlUrl = (issuerId: string) => `${BASE_URL}/.well-known/pki/crl/${issuerId}`;
const ocspUrl = (issuerId: string) => `${BASE_URL}/.well-known/pki/ocsp/${issuerId}`;

const certDer = (pem: string) => Buffer.from(pemToDer(pem));

function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);
/** A DER INTEGER from a positive hex serial (a 00 octet first when the top bit is set). */
function intFromHex(hex: string): Buffer {
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if ((b[0] as number) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

/** The SHA-1 CertID of `serialHex` under `ca`, as a client such as openssl sends it. */
export function certIdFor(ca: CreatedCa, serialHex: string): OcspCertId {
  const h = issuerCertIdHashes(ca.certificatePem).sha1;
  const der = seq(
    seq(Buffer.from('06052b0e03021a', 'hex'), Buffer.from([0x05, 0x00])),
    tlv(0x04, Buffer.from(h.name, 'hex')),
    tlv(0x04, Buffer.from(h.key, 'hex')),
    intFromHex(serialHex),
  );
  return { hash: 'sha1', issuerNameHash: h.name, issuerKeyHash: h.key, serialNumber: serialHex, der };
}

async function leaf(
  issuer: CreatedCa,
  issuerId: string,
  alg: KeyAlgorithm,
  o: { commonName: string; sans: string[]; ekus?: ('serverAuth' | 'clientAuth' | 'emailProtection')[]; validitySeconds?: number },
) {
  const keys = await generateKeyPair(alg);
  return signLeaf({
    issuer,
    subjectPublicKey: keys.publicKey,
    commonName: o.commonName,
    sans: o.sans,
    ekus: o.ekus,
    ...(o.validitySeconds ? { validitySeconds: o.validitySeconds } : { validityDays: 90 }),
    crlDistributionUrl: crlUrl(issuerId),
    ocspUrl: ocspUrl(issuerId),
  });
}

/**
 * For every key algorithm: a root (as IssuerService.ensureRootCa makes it), an intermediate and
 * an issuing CA below it (as IssuerHierarchyService makes them, with CRL/OCSP pointers to the
 * parent), then from the issuing CA: TLS server, TLS client, S/MIME, short-lived (1 hour),
 * the gateway's own certificate (ServerCertificateHandler: P-256, serverAuth, no pointers),
 * a delegated OCSP responder, a CRL with entries and an empty one, and OCSP responses
 * (good, revoked with a reason, unknown, with a nonce).
 */
export async function buildPkiCorpus(algorithms: readonly KeyAlgorithm[] = KEY_ALGORITHMS): Promise<LintSubject[]> {
  const out: LintSubject[] = [];
  for (const alg of algorithms) {
    const tag = alg.toLowerCase();
    const root = await createRootCa({
      commonName: `certctl-ts Local Root CA (${tag})`,
      organization: 'certctl-ts',
      keyAlgorithm: alg,
      validityDays: 3650,
    });
    const intermediate = await createIntermediateCa({
      issuer: root,
      commonName: `Intermediate CA ${tag}`,
      organization: 'certctl-ts',
      keyAlgorithm: alg,
      validityDays: 1825,
      pathLength: 1,
      crlDistributionUrl: crlUrl('iss-root'),
      ocspUrl: ocspUrl('iss-root'),
    });
    const issuing = await createIntermediateCa({
      issuer: { ...intermediate, ancestorsPem: [root.certificatePem] },
      commonName: `Issuing CA ${tag}`,
      organization: 'certctl-ts',
      keyAlgorithm: alg,
      validityDays: 730,
      pathLength: 0,
      crlDistributionUrl: crlUrl('iss-intermediate'),
      ocspUrl: ocspUrl('iss-intermediate'),
    });
    const ca = { ...issuing, ancestorsPem: [intermediate.certificatePem, root.certificatePem] };
    out.push(
      { name: `${tag}/root`, kind: 'certificate', role: 'ca', der: certDer(root.certificatePem) },
      { name: `${tag}/intermediate`, kind: 'certificate', role: 'ca', der: certDer(intermediate.certificatePem) },
      { name: `${tag}/issuing-ca`, kind: 'certificate', role: 'ca', der: certDer(issuing.certificatePem) },
    );

    const server = await leaf(ca, 'iss-issuing', alg, { commonName: 'www.example.com', sans: ['www.example.com', 'example.com'] });
    const client = await leaf(ca, 'iss-issuing', alg, { commonName: 'agent-01.example.com', sans: [], ekus: ['clientAuth'] });
    const smime = await leaf(ca, 'iss-issuing', alg, {
      commonName: 'alice@example.com',
      sans: ['alice@example.com'],
      ekus: ['emailProtection'],
    });
    const shortLived = await leaf(ca, 'iss-issuing', alg, { commonName: 'short.example.com', sans: [], validitySeconds: 3600 });
    out.push(
      { name: `${tag}/tls-server`, kind: 'certificate', role: 'tls-server', der: certDer(server.certificatePem) },
      { name: `${tag}/tls-client`, kind: 'certificate', role: 'tls-client', der: certDer(client.certificatePem) },
      { name: `${tag}/smime`, kind: 'certificate', role: 'smime', der: certDer(smime.certificatePem) },
      { name: `${tag}/short-lived`, kind: 'certificate', role: 'tls-server', der: certDer(shortLived.certificatePem) },
    );

    // The gateway's own certificate: ServerCertificateHandler signs a P-256 key, serverAuth, no revocation pointers.
    const gatewayKey = await generateKeyPair('ECDSA-P256');
    const gateway = await signLeaf({
      issuer: ca,
      subjectPublicKey: gatewayKey.publicKey,
      commonName: 'localhost',
      sans: ['localhost', '127.0.0.1'],
      validityDays: 90,
      ekus: ['serverAuth'],
    });
    out.push({ name: `${tag}/gateway`, kind: 'certificate', role: 'tls-server', der: certDer(gateway.certificatePem) });

    // The delegated OCSP responder (the revocation service makes its key as P-256, the CA signs it).
    const responderKeys = await generateKeyPair('ECDSA-P256');
    const responder = await signOcspResponder({
      issuer: ca,
      subjectPublicKeySpki: await exportSpki(responderKeys.publicKey),
      commonName: `OCSP responder ${tag}`,
      validityDays: 30,
    });
    out.push({ name: `${tag}/ocsp-responder`, kind: 'certificate', role: 'ocsp-responder', der: certDer(responder.certificatePem) });

    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const later = new Date(now.getTime() + 24 * 3600_000);
    const crl = await buildCrl({
      issuer: ca,
      crlNumber: 7n,
      thisUpdate: now,
      nextUpdate: later,
      entries: [
        { serialNumber: server.serialNumber, revocationDate: now, reasonCode: 1 },
        { serialNumber: client.serialNumber, revocationDate: now, reasonCode: 0 },
        { serialNumber: smime.serialNumber, revocationDate: now, reasonCode: 4 },
      ],
    });
    const emptyCrl = await buildCrl({ issuer: ca, crlNumber: 1n, thisUpdate: now, nextUpdate: later, entries: [] });
    out.push(
      { name: `${tag}/crl`, kind: 'crl', der: Buffer.from(crl) },
      { name: `${tag}/crl-empty`, kind: 'crl', der: Buffer.from(emptyCrl) },
    );

    const signer = new OcspSigner(responder.certificatePem, await exportPrivateKeyPem(responderKeys.privateKey));
    const next = new Date(now.getTime() + 3600_000);
    const single = (serial: string, result: Parameters<OcspSigner['sign']>[0][number]['result']) => ({
      certId: certIdFor(issuing, serial),
      result,
      thisUpdate: now,
      nextUpdate: next,
    });
    const nonce = seq(
      Buffer.from('06092b0601050507300102', 'hex'),
      tlv(0x04, tlv(0x04, Buffer.from('0123456789abcdef0123456789abcdef', 'hex'))),
    );
    out.push(
      { name: `${tag}/ocsp-good`, kind: 'ocsp', der: signer.sign([single(gateway.serialNumber, { status: 'good' })], now) },
      {
        name: `${tag}/ocsp-revoked`,
        kind: 'ocsp',
        der: signer.sign([single(server.serialNumber, { status: 'revoked', revokedAt: now, reasonCode: 1 })], now),
      },
      { name: `${tag}/ocsp-unknown`, kind: 'ocsp', der: signer.sign([single('0badc0ffee', { status: 'unknown' })], now) },
      {
        name: `${tag}/ocsp-nonce`,
        kind: 'ocsp',
        der: signer.sign([single(client.serialNumber, { status: 'revoked', revokedAt: now, reasonCode: 0 })], now, nonce),
      },
    );
  }
  return out;
}
