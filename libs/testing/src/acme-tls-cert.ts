// The self-signed certificate a tls-alpn-01 client serves (RFC 8737 §3, RFC 8738 §6), and
// deliberately broken variants of it for tests of a validator.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { exportPrivateKeyPem, generateKeyPair, type CryptoKeyPair } from '@certctl/pki';

export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

export interface AcmeTlsCertOptions {
  /** A DNS name or an IP address (an IP becomes an iPAddress SAN). */
  host: string;
  keyAuthorization: string;
  /** Default true; false makes the acmeIdentifier extension non-critical. */
  critical?: boolean;
  /** Leave the acmeIdentifier extension out. */
  omitAcmeIdentifier?: boolean;
  /** Put these bytes in the extension instead of SHA-256(keyAuthorization). */
  digest?: Uint8Array;
  /** More subjectAltNames beside the host. */
  extraSans?: string[];
}

export interface AcmeTlsCert {
  certPem: string;
  keyPem: string;
  der: Buffer;
}

let sharedKeys: Promise<{ keys: CryptoKeyPair; keyPem: string }> | undefined;
function keys() {
  sharedKeys ??= generateKeyPair('ECDSA-P256').then(async (k) => ({ keys: k, keyPem: await exportPrivateKeyPem(k.privateKey) }));
  return sharedKeys;
}

/** DER of OCTET STRING (SIZE (32)): the acmeIdentifier extension's value. */
export function acmeIdentifierValue(digest: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x04, digest.length]), Buffer.from(digest)]);
}

export async function acmeTlsAlpnCertificate(o: AcmeTlsCertOptions): Promise<AcmeTlsCert> {
  const { keys: pair, keyPem } = await keys();
  const san = (h: string) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h });
  const digest = o.digest ?? createHash('sha256').update(o.keyAuthorization, 'utf8').digest();
  const extensions: x509.Extension[] = [new x509.SubjectAlternativeNameExtension([san(o.host), ...(o.extraSans ?? []).map(san)], true)];
  if (!o.omitAcmeIdentifier) extensions.push(new x509.Extension(ACME_IDENTIFIER_OID, o.critical ?? true, acmeIdentifierValue(digest)));
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=ACME challenge',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 7 * 86400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      keys: pair,
      extensions,
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  return { certPem: cert.toString('pem'), keyPem, der: Buffer.from(cert.rawData) };
}
