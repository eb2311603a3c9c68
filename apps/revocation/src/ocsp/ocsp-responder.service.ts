import { Inject, Injectable } from '@nestjs/common';
import { RevocationRpc } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import { OcspSigner, type SecretBox, exportPrivateKeyPem, exportSpki, generateKeyPair } from '@certctl/pki';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';

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
    private readonly db: PrismaService,
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
    let p = this.loaded.get(issuerId);
    if (p) {
      const r = await p.catch(() => undefined);
      if (r && now < this.renewAt(r.notAfter) && now - r.loadedAt < RELOAD_MS) return r.signer;
      if (this.loaded.get(issuerId) === p) this.loaded.delete(issuerId);
    }
    p = this.loaded.get(issuerId);
    if (!p) {
      p = this.load(issuerId);
      this.loaded.set(issuerId, p);
      p.catch(() => this.loaded.delete(issuerId));
    }
    return (await p).signer;
  }

  private async load(issuerId: string): Promise<LoadedResponder> {
    const row = await this.db.ocspResponder.findUnique({ where: { issuerId } });
    if (row && Date.now() < this.renewAt(row.notAfter)) return this.open(row);
    return this.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`certctl-ocsp-responder:${issuerId}`}))`;
        const again = await tx.ocspResponder.findUnique({ where: { issuerId } });
        if (again && Date.now() < this.renewAt(again.notAfter)) return this.open(again);
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
        const data = {
          certificatePem: issued.certificate_pem,
          encryptedKey: Buffer.from(this.box.encrypt(keyPem, `ocsp-responder-key:${issuerId}`)),
          keyVersion: this.box.currentVersion,
          notAfter: new Date(issued.not_after),
        };
        const saved = await tx.ocspResponder.upsert({ where: { issuerId }, create: { issuerId, ...data }, update: data });
        getLogger().info({ issuer_id: issuerId, not_after: issued.not_after, rotated: !!again }, 'OCSP responder certificate installed');
        return this.open(saved);
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  }

  private open(row: { issuerId: string; certificatePem: string; encryptedKey: Uint8Array; notAfter: Date }): LoadedResponder {
    const keyPem = this.box.decrypt(Buffer.from(row.encryptedKey), `ocsp-responder-key:${row.issuerId}`).toString('utf8');
    return { signer: new OcspSigner(row.certificatePem, keyPem), notAfter: row.notAfter, loadedAt: Date.now() };
  }
}
