import { X509Certificate } from 'node:crypto';
import { createIntermediateCa, createRootCa, type CreatedCa } from './ca';
import { certificateSummary, parseCertificate, signLeaf, signLeafWithX509Library, type LeafRequest } from './certificate';
import { firstTlvLength } from './der';
import { generateKeyPair, type KeyAlgorithm } from './keys';
import { pemToDer } from './pem';
import { x509, type CryptoKeyPair } from './provider';
import { scratchDir, verifyChain } from '../test/openssl';

/** The TBSCertificate and the signatureAlgorithm of a DER certificate (its first two elements). */
function partsOf(pem: string): { tbs: Buffer; signatureAlgorithm: Buffer } {
  const der = Buffer.from(pemToDer(pem));
  const outer = firstTlvLength(der)!;
  const header = der[1]! < 0x80 ? 2 : 2 + (der[1]! & 0x7f);
  expect(outer).toBe(der.length);
  const tbsLen = firstTlvLength(der.subarray(header))!;
  const tbs = der.subarray(header, header + tbsLen);
  const rest = der.subarray(header + tbsLen);
  return { tbs, signatureAlgorithm: rest.subarray(0, firstTlvLength(rest)!) };
}
const tbsOf = (pem: string) => partsOf(pem).tbs;

/**
 * signLeaf writes certificates with its own DER writer and node:crypto (leaf-der.ts). Every
 * byte it signs must be what @peculiar/x509's generator wrote for the same request, so each
 * case below is signed both ways with the same serial and validity and the TBSCertificates
 * compared; openssl verifies the DER writer's certificate under its chain.
 */
describe('signLeaf: DER writer against the @peculiar/x509 generator', () => {
  const tmp = scratchDir();
  const cas: Partial<Record<KeyAlgorithm, { root: CreatedCa; inter: CreatedCa }>> = {};
  const keys: Partial<Record<KeyAlgorithm, CryptoKeyPair>> = {};
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);

  beforeAll(async () => {
    for (const alg of ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'Ed25519'] as const) {
      const root = await createRootCa({
        commonName: `Root ${alg}`,
        organization: 'Certctl',
        keyAlgorithm: alg,
        validityDays: 3650,
        pathLength: 1,
      });
      const inter = await createIntermediateCa({
        issuer: root,
        commonName: `Issuing ${alg}`,
        keyAlgorithm: alg,
        validityDays: 1000,
        pathLength: 0,
      });
      cas[alg] = { root, inter };
      keys[alg] = await generateKeyPair(alg);
    }
  }, 120_000);
  afterAll(() => tmp.cleanup());

  async function both(caAlg: KeyAlgorithm, keyAlg: KeyAlgorithm, r: Partial<LeafRequest>) {
    const { root, inter } = cas[caAlg]!;
    const request: LeafRequest = {
      issuer: inter,
      subjectPublicKey: keys[keyAlg]!.publicKey,
      commonName: 'svc.example.com',
      sans: [],
      notBefore,
      ...r,
    };
    const fast = await signLeaf(request);
    const reference = await signLeafWithX509Library(request, fast.serialNumber);
    return { fast, reference, root, inter };
  }

  const cases: [string, KeyAlgorithm, KeyAlgorithm, Partial<LeafRequest>][] = [
    ['P-256 CA, P-256 key, defaults', 'ECDSA-P256', 'ECDSA-P256', {}],
    [
      'P-256 CA, every URL, two EKUs, DNS, e-mail and URI SANs',
      'ECDSA-P256',
      'ECDSA-P256',
      {
        sans: ['a.example.com', '*.b.example.com', 'ops@example.com', 'spiffe://example.com/svc'],
        ekus: ['serverAuth', 'clientAuth'],
        crlDistributionUrl: 'http://pki.example.com/crl/iss-local',
        ocspUrl: 'http://pki.example.com/ocsp/iss-local',
        caIssuersUrl: 'http://pki.example.com/ca.der',
        validityDays: 397,
      },
    ],
    [
      'IP SANs (v4 and v6) and an IP common name',
      'ECDSA-P256',
      'ECDSA-P256',
      { commonName: '10.1.2.3', sans: ['2001:db8::1', 'x.example.com'] },
    ],
    ['a common name that is no host name and no SAN', 'ECDSA-P256', 'ECDSA-P256', { commonName: 'Payroll Service', sans: [] }],
    ['a non-PrintableString common name (UTF8String)', 'ECDSA-P256', 'ECDSA-P256', { commonName: 'dienst_ü*', sans: ['svc.example.com'] }],
    ['a common name in quotes and one starting with #', 'ECDSA-P256', 'ECDSA-P256', { commonName: '"quoted name"' }],
    ['a #-prefixed common name (hex DER value)', 'ECDSA-P256', 'ECDSA-P256', { commonName: '#0c03616263' }],
    [
      'no EKU, explicit key usages, validity in seconds',
      'ECDSA-P256',
      'ECDSA-P256',
      { ekus: [], keyUsages: ['digitalSignature'], validitySeconds: 7200 },
    ],
    ['P-384 CA, RSA subject key (keyEncipherment)', 'ECDSA-P384', 'RSA-2048', { sans: ['r.example.com'] }],
    ['RSA CA, P-384 subject key, e-mail protection', 'RSA-2048', 'ECDSA-P384', { ekus: ['emailProtection'], sans: ['alice@example.com'] }],
    ['Ed25519 CA, Ed25519 subject key', 'Ed25519', 'Ed25519', { ocspUrl: 'https://pki.example.com/ocsp' }],
    ['a notAfter clamped to the issuer, after 2049 (GeneralizedTime)', 'ECDSA-P256', 'ECDSA-P256', { validityDays: 365 * 40 }],
  ];

  it.each(cases)('%s: the same TBSCertificate, and openssl verifies it', async (_name, caAlg, keyAlg, r) => {
    const { fast, reference, root, inter } = await both(caAlg, keyAlg, r);
    expect(tbsOf(fast.certificatePem).toString('hex')).toBe(tbsOf(reference.certificatePem).toString('hex'));
    // The outer signature algorithm too, and the signature verifies under the issuing CA's key.
    expect(partsOf(fast.certificatePem).signatureAlgorithm.toString('hex')).toBe(
      partsOf(reference.certificatePem).signatureAlgorithm.toString('hex'),
    );
    expect(new X509Certificate(fast.certificatePem).verify(new X509Certificate(inter.certificatePem).publicKey)).toBe(true);
    expect(
      verifyChain(tmp, 'v', { root: root.certificatePem, inter: inter.certificatePem, leaf: fast.certificatePem }, ['-purpose', 'any'])
        .status,
    ).toBe(0);
    // What signLeaf answers is what the certificate says.
    const info = await parseCertificate(fast.certificatePem);
    expect(fast.serialNumber).toBe(info.serialNumber);
    expect(fast.fingerprintSha256).toBe(info.fingerprintSha256);
    expect(fast.notBefore.getTime()).toBe(info.notBefore.getTime());
    expect(fast.notAfter.getTime()).toBe(info.notAfter.getTime());
    // certificateSummary (node:crypto) reads the same fields as parseCertificate.
    const { serialNumber, notBefore: nb, notAfter: na, fingerprintSha256, keyType, keySize } = info;
    expect(certificateSummary(fast.certificatePem)).toEqual({
      serialNumber,
      notBefore: nb,
      notAfter: na,
      fingerprintSha256,
      keyType,
      keySize,
    });
  });

  it('the whole certificate is DER the reference parser reads back field for field', async () => {
    const { fast } = await both('ECDSA-P256', 'ECDSA-P256', { sans: ['a.example.com'], ocspUrl: 'http://pki.example.com/ocsp' });
    const der = pemToDer(fast.certificatePem);
    const cert = new x509.X509Certificate(der);
    expect(Buffer.from(cert.rawData).equals(Buffer.from(der))).toBe(true);
    expect(cert.subject).toBe('CN=svc.example.com');
    expect(cert.issuer).toBe('CN=Issuing ECDSA-P256');
    expect(cert.extensions.map((e) => e.type)).toEqual([
      '2.5.29.19',
      '2.5.29.15',
      '2.5.29.37',
      '2.5.29.17',
      '2.5.29.14',
      '2.5.29.35',
      '1.3.6.1.5.5.7.1.1',
    ]);
  });
});
