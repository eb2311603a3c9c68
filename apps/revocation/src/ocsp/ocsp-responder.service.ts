import { Inject, Injectable } from '@nestjs/common';
import { RevocationRpc } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import { OcspSigner, type SecretBox, exportPrivateKeyPem, exportSpki, generateKeyPair } from '@certctl/pki';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';
import { OcspResponderRepository, type OcspResponderRow } from './ocsp-responder.repository';

interface LoadedResponder {
  signer: OcspSigner;
  notAfter: Date;
  loadedAt: number;
}

const RELOAD_MS = 10 * 60_000;

/**
 * The delegated OCSP responder of each issuer: a key generated here and a certificate
 * (id-kp-OCSPSigning, ocsp-nocheck) signed by the issuer's CA in the issuance service.
 * The key is stored encrypted (SecretBox, issuer id bound as associated data) and the
 * pair is replaced automatically when it comes within the renewal window of its end.
 */
@Injectable()
export class OcspResponderService {
  private readonly box: SecretBox;
  private readonly loaded = new Map<string, Promise<LoadedResponder>>();

  constructor(
    private readonly responders: OcspResponderRepository,
    private readonly rpc: RpcClient,
    @Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  private renewAt(notAfter: Date): number {
    return notAfter.getTime() - this.config.CERTCTL_OCSP_RESPONDER_RENEW_DAYS * 86_400_000;
  }

  async signer(issuerId: string): Promise<OcspSigner> {
    const now = Date.now();
    let loading = this.loaded.get(issuerId);
    if (loading) {
      const responder = await loading.catch(() => undefined);
      if (responder && now < this.renewAt(responder.notAfter) && now - responder.loadedAt < RELOAD_MS) return responder.signer;
      if (this.loaded.get(issuerId) === loading) this.loaded.delete(issuerId);
    }
    loading = this.loaded.get(issuerId);
    if (!loading) {
      loading = this.load(issuerId);
      this.loaded.set(issuerId, loading);
      loading.catch(() => this.loaded.delete(issuerId));
    }
    return (await loading).signer;
  }

  private async load(issuerId: string): Promise<LoadedResponder> {
    const row = await this.responders.findByIssuer(issuerId);
    if (row && Date.now() < this.renewAt(row.notAfter)) return this.open(row);
    return this.responders.withIssuerLock(issuerId, async (tx) => {
      const again = await this.responders.findByIssuer(issuerId, tx);
      if (again && Date.now() < this.renewAt(again.notAfter)) return this.open(again);
      return this.open(await this.install(issuerId, !!again, tx));
    });
  }

  /** A new key, its certificate signed by the issuer's CA in issuance, stored encrypted. */
  private async install(issuerId: string, rotated: boolean, tx: Prisma.TransactionClient): Promise<OcspResponderRow> {
    const keys = await generateKeyPair('ECDSA-P256');
    const issued = await this.rpc.request(
      RevocationRpc.ocspResponderIssue,
      {
        issuer_id: issuerId,
        public_key_spki_base64: (await exportSpki(keys.publicKey)).toString('base64'),
        validity_days: this.config.CERTCTL_OCSP_RESPONDER_VALIDITY_DAYS,
      },
      { timeoutMs: 30_000 },
    );
    const keyPem = await exportPrivateKeyPem(keys.privateKey);
    const saved = await this.responders.save(
      issuerId,
      {
        certificatePem: issued.certificate_pem,
        encryptedKey: Buffer.from(this.box.encrypt(keyPem, `ocsp-responder-key:${issuerId}`)),
        keyVersion: this.box.currentVersion,
        notAfter: new Date(issued.not_after),
      },
      tx,
    );
    getLogger().info({ issuer_id: issuerId, not_after: issued.not_after, rotated }, 'OCSP responder certificate installed');
    return saved;
  }

  private open(row: { issuerId: string; certificatePem: string; encryptedKey: Uint8Array; notAfter: Date }): LoadedResponder {
    const keyPem = this.box.decrypt(Buffer.from(row.encryptedKey), `ocsp-responder-key:${row.issuerId}`).toString('utf8');
    return { signer: new OcspSigner(row.certificatePem, keyPem), notAfter: row.notAfter, loadedAt: Date.now() };
  }
}
