import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AppError, ConfigRpc, type EnrollmentProfileInternal, InventoryEnrollment, Rpc } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import {
  type KeyAlgorithm,
  createCsr,
  derToPem,
  exportPrivateKeyPem,
  generateKeyPair,
  keyAlgorithmFor,
  parseCsr,
  pemToDer,
  SERVER_GENERATED_KEY,
  sealServerGeneratedKey,
  toArrayBuffer,
  type CryptoKey,
  type KeygenRecipient,
} from '@certctl/pki';
import type { EnrollmentIssuer } from '../enrollment/enrollment-issuer';
import { type EstClient, EstRefusal, type PeerCertificate } from './est-client';
import { requestedRecipient } from './est-keygen';
import { CSRATTRS, PKCS7_CERTS_ONLY, PKCS8, base64Lines, certsOnly, csrAttrs, derOfBase64Body, multipartMixed } from './est-wire';

export type EstProfile = Extract<EnrollmentProfileInternal, { protocol: 'est' }>;
export type EnrollKind = 'simpleenroll' | 'simplereenroll' | 'serverkeygen';

/** An EST answer: status, headers and body (already base64 where the RFC says so). */
export interface EstAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /** For the audit row and the counter. */
  outcome?: 'issued' | 'pending';
  certificateId?: string;
  /** serverkeygen: the subject key identifier the key was encrypted for (RFC 7030 §4.4.2). */
  keyEncryptedFor?: string;
}

/** The key that signs encrypted server-generated keys: the profile's RA certificate (issued by its issuer) and key. */
export interface KeygenSigner {
  current(profile: {
    id: string;
    label: string;
    issuer_id: string;
  }): Promise<{ certDer: Buffer; chainDer: Buffer[]; signingKey: CryptoKey }>;
}

/** What the client sent to enroll. */
export interface EnrollInput {
  contentType: string;
  body: Buffer | undefined;
  client: EstClient;
  peer?: PeerCertificate;
  /** RFC 9266 tls-exporter value of the TLS connection (32 bytes, label EXPORTER-Channel-Binding); absent over plain HTTP. */
  tlsExporter?: Buffer;
}

const RETRY_AFTER_SECONDS = 10;
const CHALLENGE_PASSWORD = '1.2.840.113549.1.9.7';
const base64Answer = (type: string, der: Uint8Array): EstAnswer => ({
  status: 200,
  headers: { 'content-type': type, 'content-transfer-encoding': 'base64' },
  body: base64Lines(der),
});

/** The EST operations (RFC 7030 §4) over the platform: CA certificates, CSR attributes and the three enrollments. */
export class EstService {
  constructor(
    private readonly rpc: Pick<RpcClient, 'request'>,
    private readonly issuer: Pick<EnrollmentIssuer, 'enroll'>,
    private readonly waitMs: number,
    private readonly signer: KeygenSigner,
  ) {}

  /** The enabled EST profile at `label` (none: the default one). */
  resolve(label: string | undefined): Promise<EstProfile> {
    return this.rpc.request(InventoryEnrollment.profileResolve, { protocol: 'est', label }) as Promise<EstProfile>;
  }

  /** §4.1: the issuing CA and its chain, certs-only. */
  async cacerts(profile: EstProfile): Promise<EstAnswer> {
    const issuer = await this.rpc.request(Rpc.issuance.issuerGet, { id: profile.issuer_id });
    const pems = [issuer.ca_certificate_pem, issuer.ca_chain_pem].filter((p): p is string => !!p?.trim());
    if (!pems.length) throw new AppError('service_unavailable', `issuer ${profile.issuer_id} has no CA certificate to publish`);
    return base64Answer(PKCS7_CERTS_ONLY, certsOnly(pems));
  }

  /** §4.5: the key type and signature the certificate profile wants. */
  async csrattrs(profile: EstProfile): Promise<EstAnswer> {
    const algorithm = await this.keyAlgorithm(profile);
    return base64Answer(CSRATTRS, csrAttrs(algorithm, profile.settings.tls_exporter_binding));
  }

  /** §4.2 simpleenroll/simplereenroll and §4.4 serverkeygen. */
  async enroll(profile: EstProfile, kind: EnrollKind, input: EnrollInput): Promise<EstAnswer> {
    if (!/^application\/pkcs10\s*(;|$)/i.test(input.contentType))
      throw new EstRefusal(415, 'unsupported_media_type', 'the body must be application/pkcs10 (a base64 PKCS#10 request)');
    const der = derOfBase64Body(input.body, 'PKCS#10 certificate request');
    const csrPem = derToPem(der, 'CERTIFICATE REQUEST');
    const csr = await parseCsr(csrPem).catch((err: unknown) => {
      throw new AppError('bad_request', `The CSR cannot be parsed: ${(err as Error).message}`);
    });
    if (!csr.signatureValid) throw new AppError('bad_request', 'The CSR signature does not verify.');
    if (input.client.renews) keepsSubject(der, input.client.renews.subject.raw);
    if (profile.settings.tls_exporter_binding) checkChannelBinding(der, input.tlsExporter);
    const commonName = csr.commonName ?? csr.sans[0];
    if (!commonName) throw new AppError('bad_request', 'The CSR names no subject common name and no subjectAltName.');
    const sans = csr.sans.length ? csr.sans : [commonName];
    const recipient =
      kind === 'serverkeygen' && profile.settings.allow_server_keygen
        ? requestedRecipient(der, profile.settings.serverkeygen_recipients_pem)
        : undefined;
    const generated = kind === 'serverkeygen' ? await this.generate(profile, commonName, sans) : undefined;
    if (kind === 'serverkeygen' && !generated) throw new AppError('not_found', 'This EST profile does not offer serverkeygen.');
    const outcome = await this.issuer.enroll(
      {
        protocol: 'est',
        enrollment_profile_id: profile.id,
        // The same CSR sent again (after a 202) finds its first enrollment; a server-generated key is new each time.
        request_id: generated ? randomUUID() : `${kind}:${createHash('sha256').update(der).digest('hex')}`,
        client: input.client.actor,
        common_name: commonName,
        sans,
        csr_pem: generated?.csrPem ?? csrPem,
        ...(input.client.renews ? { renews_certificate_id: input.client.renews.certificateId } : {}),
      },
      this.waitMs,
    );
    if (outcome.status === 'failed') throw new AppError('issuer_failure', `The certificate could not be issued: ${outcome.error}`);
    if (outcome.status === 'pending')
      return {
        status: 202,
        headers: { 'retry-after': String(RETRY_AFTER_SECONDS), 'content-type': 'text/plain' },
        body: 'The enrollment is being processed; send the same request again after Retry-After.\n',
        outcome: 'pending',
        certificateId: outcome.certificate_id,
      };
    const pkcs7 = certsOnly([outcome.certificate_pem]);
    if (!generated) return { ...base64Answer(PKCS7_CERTS_ONLY, pkcs7), outcome: 'issued', certificateId: outcome.certificate_id };
    const boundary = `est-${randomBytes(12).toString('hex')}`;
    const parts = [await this.keyPart(profile, pemToDer(generated.keyPem), recipient), { type: PKCS7_CERTS_ONLY, der: pkcs7 }];
    return {
      status: 200,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
      body: multipartMixed(parts, boundary),
      outcome: 'issued',
      certificateId: outcome.certificate_id,
      ...(recipient ? { keyEncryptedFor: recipient.keyId } : {}),
    };
  }

  /** §4.4.2: the key as PKCS#8, or signed with the profile's RA key and enveloped for the recipient the CSR named. */
  private async keyPart(profile: EstProfile, pkcs8Der: Buffer, recipient: KeygenRecipient | undefined) {
    if (!recipient) return { type: PKCS8, der: pkcs8Der };
    const ra = await this.signer.current(profile);
    const der = await sealServerGeneratedKey({
      pkcs8Der,
      recipient,
      signerCertsDer: [ra.certDer, ...ra.chainDer],
      signerKey: ra.signingKey,
    });
    return { type: SERVER_GENERATED_KEY, der };
  }

  /** serverkeygen: a key pair of the profile's first allowed algorithm and a CSR for the client's names; undefined when not allowed. */
  private async generate(profile: EstProfile, commonName: string, sans: string[]) {
    if (!profile.settings.allow_server_keygen) return undefined;
    const keys = await generateKeyPair(await this.keyAlgorithm(profile));
    return { csrPem: await createCsr({ keys, commonName, sans }), keyPem: await exportPrivateKeyPem(keys.privateKey) };
  }

  private async keyAlgorithm(profile: EstProfile): Promise<KeyAlgorithm> {
    const certProfile = await this.rpc.request(ConfigRpc.profile.get, { id: profile.profile_id });
    const first = certProfile.allowed_key_algorithms[0];
    return (first && keyAlgorithmFor(first.algorithm, first.min_size)) || 'ECDSA-P256';
  }
}

/**
 * RFC 7030 §3.5 with RFC 9266: the CSR's challengePassword must be the base64 of this TLS
 * connection's tls-exporter value, proving the CSR was made for this connection.
 */
function checkChannelBinding(csrDer: Buffer, exporter: Buffer | undefined): void {
  if (!exporter) throw new EstRefusal(403, 'forbidden', 'this profile binds enrollments to the TLS channel: use the HTTPS port');
  const attribute = new x509.Pkcs10CertificateRequest(toArrayBuffer(csrDer)).getAttribute(CHALLENGE_PASSWORD);
  const given = attribute ? new x509.ChallengePasswordAttribute(attribute.rawData).password : '';
  const expected = exporter.toString('base64');
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected)))
    throw new EstRefusal(403, 'forbidden', 'the CSR’s challengePassword is not this TLS connection’s tls-exporter value (RFC 9266)');
}

/** §4.2.2: a re-enrollment's CSR keeps the subject of the certificate it renews. */
function keepsSubject(csrDer: Buffer, certDer: Buffer): void {
  const csrSubject = new x509.Pkcs10CertificateRequest(toArrayBuffer(csrDer)).subject;
  const certSubject = new x509.X509Certificate(toArrayBuffer(certDer)).subject;
  if (csrSubject !== certSubject)
    throw new AppError('bad_request', `A re-enrollment must keep the subject: the certificate has ${certSubject}, the CSR ${csrSubject}.`);
}
