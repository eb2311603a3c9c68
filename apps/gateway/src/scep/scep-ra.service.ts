import { X509Certificate, createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, IssuanceScepRa } from '@certctl/contracts';
import { secretBoxFromConfig } from '@certctl/config';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { type CryptoKey, SecretBox, pemToDer, splitPemChain } from '@certctl/pki';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { ScepRepository } from './scep.repository';

/** An RA certificate is replaced once fewer than this many days are left. */
export const RA_ROTATE_DAYS = 30;
const DAY_MS = 86400_000;
/** How long an opened RA key is kept in memory before the table is read again (other replicas' rotations). */
const CACHE_MS = 10 * 60_000;

/** The RA of one enrollment profile, ready to decrypt requests and sign CertReps. */
export interface ScepRa {
  certDer: Buffer;
  /** The issuing CA, then its parents (DER). */
  chainDer: Buffer[];
  /** For decrypting the pkcsPKIEnvelope. */
  key: KeyObject;
  /** For signing CertReps (RSASSA-PKCS1-v1_5 / SHA-256). */
  signingKey: CryptoKey;
  notAfter: Date;
}

export interface ScepProfileRef {
  id: string;
  label: string;
  issuer_id: string;
}

/** True when the RA certificate must be replaced: fewer than RA_ROTATE_DAYS days left. */
export function raRotationDue(notAfter: Date, now = new Date()): boolean {
  return notAfter.getTime() - now.getTime() < RA_ROTATE_DAYS * DAY_MS;
}

/**
 * The RA certificate and key of each SCEP enrollment profile: asked of issuance (signed by
 * the profile's issuer) the first time a profile is used and again when fewer than 30 days
 * are left, the RSA key sealed with the platform's encryption key (AAD: the profile id) in
 * scep_ra_certificates. Rotation happens on use: the first SCEP request of a profile after
 * the threshold gets the new RA (GetCACert then serves it; clients fetch it before enrolling).
 */
@Injectable()
export class ScepRaService {
  private box?: SecretBox;
  private readonly cache = new Map<string, { ra: ScepRa; until: number }>();
  private readonly pending = new Map<string, Promise<ScepRa>>();
  private readonly log = getLogger().child({ component: 'scep-ra' });

  constructor(
    private readonly repository: ScepRepository,
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  private sealing(): SecretBox {
    if (this.box) return this.box;
    try {
      this.box = secretBoxFromConfig(this.config);
      return this.box;
    } catch {
      throw new AppError('service_unavailable', 'SCEP needs CERTCTL_ENCRYPTION_KEY on the gateway to seal its RA keys (docs/scep.md).');
    }
  }

  /** The profile's current RA, issuing or rotating it when needed (one issuance per profile at a time). */
  async current(profile: ScepProfileRef): Promise<ScepRa> {
    const cached = this.cache.get(profile.id);
    if (cached && cached.until > Date.now() && !raRotationDue(cached.ra.notAfter)) return cached.ra;
    const inFlight = this.pending.get(profile.id);
    if (inFlight) return inFlight;
    const loading = this.load(profile).finally(() => this.pending.delete(profile.id));
    this.pending.set(profile.id, loading);
    return loading;
  }

  private async load(profile: ScepProfileRef): Promise<ScepRa> {
    const box = this.sealing();
    const row = await this.repository.raCertificate(profile.id);
    let ra: ScepRa;
    if (row && !raRotationDue(row.notAfter)) {
      ra = await opened(row.certificatePem, row.chainPem, box.decryptString(Buffer.from(row.encryptedKey), aad(profile.id)));
    } else {
      ra = await this.issue(profile, box, row ? 'rotated' : 'issued');
    }
    this.cache.set(profile.id, { ra, until: Date.now() + CACHE_MS });
    return ra;
  }

  private async issue(profile: ScepProfileRef, box: SecretBox, why: 'issued' | 'rotated'): Promise<ScepRa> {
    const issued = await this.rpc.request(
      IssuanceScepRa.issue,
      { issuer_id: profile.issuer_id, profile_label: profile.label, validity_days: this.config.CERTCTL_SCEP_RA_VALIDITY_DAYS },
      { timeoutMs: Math.max(this.config.CERTCTL_NATS_TIMEOUT_MS, 10_000) },
    );
    await this.repository.saveRaCertificate({
      enrollmentProfileId: profile.id,
      certificatePem: issued.certificate_pem,
      chainPem: issued.chain_pem,
      encryptedKey: Uint8Array.from(box.encrypt(issued.private_key_pem, aad(profile.id))),
      keyVersion: box.currentVersion,
      notAfter: new Date(issued.not_after),
    });
    this.log.info(
      { enrollment_profile_id: profile.id, serial: issued.serial_number, not_after: issued.not_after },
      `SCEP RA certificate ${why}`,
    );
    return opened(issued.certificate_pem, issued.chain_pem, issued.private_key_pem);
  }
}

function aad(profileId: string): string {
  return `scep_ra_certificates:${profileId}`;
}

async function opened(certificatePem: string, chainPem: string, keyPem: string): Promise<ScepRa> {
  const key = createPrivateKey(keyPem);
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  return {
    certDer: pemToDer(certificatePem),
    chainDer: splitPemChain(chainPem).map((pem) => pemToDer(pem)),
    key,
    signingKey: signingKey as CryptoKey,
    notAfter: new Date(new X509Certificate(certificatePem).validTo),
  };
}
