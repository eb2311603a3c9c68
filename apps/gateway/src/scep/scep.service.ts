import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, InventoryEnrollment, type RpcResponse } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import {
  type PkiMessage,
  ScepFailure,
  type ScepFailInfoName,
  ScepMalformed,
  ScepMessageType,
  buildCertRep,
  certsOnly,
  derToPem,
  openEnvelope,
  parseCsr,
  parsePkiMessage,
  pemToDer,
  readCertPoll,
  readScepCsr,
  replyCipherOid,
  sealEnvelope,
  splitPemChain,
} from '@certctl/pki';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { EnrollmentIssuer, type EnrollmentOutcome } from '../enrollment/enrollment-issuer';
import { ScepChallengesService } from './scep-challenges.service';
import { type ScepRa, ScepRaService } from './scep-ra.service';
import { ScepRepository } from './scep.repository';

export type ScepProfile = Extract<RpcResponse<typeof InventoryEnrollment.profileResolve>, { protocol: 'scep' }>;

/** What one PKIOperation came to, for the response, the audit row and the counter. */
export interface ScepResult {
  body: Buffer;
  outcome: 'issued' | 'pending' | 'refused';
  /** scep.enroll / scep.renew for enrollments; absent for polls of nothing and unsupported types. */
  action?: 'scep.enroll' | 'scep.renew';
  transactionId: string;
  certificateId?: string;
  failInfo?: ScepFailInfoName;
  detail?: string;
}

interface Reply {
  status: 'SUCCESS' | 'FAILURE' | 'PENDING';
  failInfo?: ScepFailInfoName;
  detail?: string;
  envelopeDer?: Buffer;
  certificateId?: string;
}

const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/**
 * SCEP PKIOperation (RFC 8894 §3): verifies the requester's SignedData, opens the envelope
 * with the profile's RA key, checks the challenge (PKCSReq) or the certificate being renewed
 * (RenewalReq), records the enrollment in the inventory and answers a CertRep signed by the
 * RA: SUCCESS with the certificate encrypted to the requester, PENDING while the issuance job
 * runs (the client polls with GetCertInitial), or FAILURE with a failInfo. Input that is not
 * a pkiMessage at all is an AppError (HTTP 400): there is no transaction to answer.
 */
@Injectable()
export class ScepService {
  private readonly log = getLogger().child({ component: 'scep' });

  constructor(
    private readonly rpc: RpcClient,
    private readonly ras: ScepRaService,
    private readonly challenges: ScepChallengesService,
    private readonly enrollments: EnrollmentIssuer,
    private readonly repository: ScepRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The enabled SCEP profile at `label` (absent: the default one); 404 otherwise. */
  async profile(label: string | undefined): Promise<ScepProfile> {
    const profile = await this.rpc.request(InventoryEnrollment.profileResolve, { protocol: 'scep', label });
    if (profile.protocol !== 'scep' || !profile.enabled) throw AppError.notFound('SCEP enrollment profile', label ?? '(default)');
    return profile;
  }

  /** GetCACert: the RA certificate, then the issuing CA and its parents, as certs-only PKCS#7. */
  async caCertificates(profile: ScepProfile): Promise<Buffer> {
    const ra = await this.ras.current(profile);
    return certsOnly([ra.certDer, ...ra.chainDer]);
  }

  async pkiOperation(profile: ScepProfile, der: Buffer, client: string): Promise<ScepResult> {
    const ra = await this.ras.current(profile);
    let msg: PkiMessage;
    try {
      msg = await parsePkiMessage(der);
    } catch (err) {
      if (err instanceof ScepMalformed) throw new AppError('bad_request', `Not a SCEP pkiMessage: ${err.message}.`);
      throw err;
    }
    const action =
      msg.messageType === ScepMessageType.RenewalReq
        ? 'scep.renew'
        : msg.messageType === ScepMessageType.PKCSReq
          ? 'scep.enroll'
          : undefined;
    let reply: Reply;
    try {
      reply = await this.answer(profile, ra, msg, client);
    } catch (err) {
      if (!(err instanceof ScepFailure)) throw err;
      reply = { status: 'FAILURE', failInfo: err.failInfo, detail: err.message };
    }
    const body = await buildCertRep({
      transactionId: msg.transactionId,
      recipientNonce: msg.senderNonce,
      status: reply.status,
      failInfo: reply.failInfo,
      failInfoText: reply.detail,
      envelopeDer: reply.envelopeDer,
      raCertDer: ra.certDer,
      raKey: ra.signingKey,
    });
    const outcome = reply.status === 'SUCCESS' ? 'issued' : reply.status === 'PENDING' ? 'pending' : 'refused';
    if (reply.status === 'FAILURE')
      this.log.info(
        { profile: profile.label, transaction_id: msg.transactionId, fail_info: reply.failInfo, detail: reply.detail },
        'SCEP request refused',
      );
    return {
      body,
      outcome,
      action,
      transactionId: msg.transactionId,
      certificateId: reply.certificateId,
      failInfo: reply.failInfo,
      detail: reply.detail,
    };
  }

  private async answer(profile: ScepProfile, ra: ScepRa, msg: PkiMessage, client: string): Promise<Reply> {
    if (!msg.signatureValid) throw new ScepFailure('badMessageCheck', 'the signature of the pkiMessage does not verify');
    const opened = openEnvelope(msg.envelopeDer, ra.key);
    const cipher = replyCipherOid(opened.cipherOid);
    const signer = fingerprint(msg.signerCertDer);
    const seal = (outcome: EnrollmentOutcome) => this.reply(outcome, msg.signerCertDer, cipher);
    switch (msg.messageType) {
      case ScepMessageType.PKCSReq:
      case ScepMessageType.RenewalReq: {
        // A retransmission (or a client polling by repeating its request) finds its enrollment.
        const known = await this.repository.transaction({
          enrollmentProfileId: profile.id,
          transactionId: msg.transactionId,
          signerFingerprint: signer,
        });
        if (known) return seal(await this.enrollments.outcome(known.jobId, known.certificateId, this.config.CERTCTL_SCEP_WAIT_MS));
        return seal(await this.enroll(profile, msg, opened.content, signer, client));
      }
      case ScepMessageType.CertPoll: {
        readCertPoll(opened.content);
        const known = await this.repository.transaction({
          enrollmentProfileId: profile.id,
          transactionId: msg.transactionId,
          signerFingerprint: signer,
        });
        if (!known) throw new ScepFailure('badCertId', 'no enrollment of this signer with this transactionID');
        return seal(await this.enrollments.outcome(known.jobId, known.certificateId, this.config.CERTCTL_SCEP_WAIT_MS));
      }
      default:
        throw new ScepFailure('badRequest', `messageType ${msg.messageType} is not served (PKCSReq, RenewalReq and GetCertInitial are)`);
    }
  }

  private async enroll(profile: ScepProfile, msg: PkiMessage, content: Buffer, signer: string, client: string): Promise<EnrollmentOutcome> {
    const csr = readScepCsr(content);
    const renews = msg.messageType === ScepMessageType.RenewalReq ? await this.renewable(profile, signer) : undefined;
    if (!renews && !(await this.challenges.accept(profile, csr.challengePassword))) {
      throw new ScepFailure('badRequest', 'the challenge password is wrong, used or expired');
    }
    const csrPem = derToPem(csr.csrDer, 'CERTIFICATE REQUEST');
    const parsed = await parseCsr(csrPem).catch(() => {
      throw new ScepFailure('badRequest', 'the PKCS#10 request does not parse');
    });
    if (!parsed.signatureValid) throw new ScepFailure('badMessageCheck', 'the PKCS#10 request signature does not verify');
    const commonName = parsed.commonName ?? parsed.sans[0];
    if (!commonName) throw new ScepFailure('badRequest', 'the request names no subject (common name or subjectAltName)');
    let outcome: EnrollmentOutcome;
    try {
      outcome = await this.enrollments.enroll(
        {
          protocol: 'scep',
          enrollment_profile_id: profile.id,
          // The transactionID alone repeats across renewals with the same key: the signer tells them apart.
          request_id: `${msg.messageType}:${fingerprint(Buffer.from(`${msg.transactionId}\n${signer}`))}`,
          client: `scep:${profile.label}:${client}`.slice(0, 512),
          common_name: commonName,
          sans: parsed.sans.length > 0 ? parsed.sans : [commonName],
          csr_pem: csrPem,
          ...(renews ? { renews_certificate_id: renews } : {}),
        },
        this.config.CERTCTL_SCEP_WAIT_MS,
      );
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw new ScepFailure('badRequest', err.message);
      throw err;
    }
    await this.repository.saveTransaction({
      enrollmentProfileId: profile.id,
      transactionId: msg.transactionId,
      signerFingerprint: signer,
      certificateId: outcome.certificate_id,
      jobId: outcome.job_id,
    });
    return outcome;
  }

  /** RenewalReq: the signer must be a current managed certificate of this enrollment profile. */
  private async renewable(profile: ScepProfile, signer: string): Promise<string> {
    try {
      const found = await this.rpc.request(InventoryEnrollment.renewable, {
        enrollment_profile_id: profile.id,
        fingerprint_sha256: signer,
      });
      return found.certificate_id;
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') {
        throw new ScepFailure('badCertId', 'a RenewalReq must be signed by a current certificate of this enrollment profile');
      }
      throw err;
    }
  }

  private reply(outcome: EnrollmentOutcome, requesterDer: Buffer, cipherOid: string): Reply {
    if (outcome.status === 'pending') return { status: 'PENDING', certificateId: outcome.certificate_id };
    if (outcome.status === 'failed')
      return { status: 'FAILURE', failInfo: 'badRequest', detail: outcome.error, certificateId: outcome.certificate_id };
    const certs = [pemToDer(outcome.certificate_pem), ...splitPemChain(outcome.chain_pem).map((pem) => pemToDer(pem))];
    return {
      status: 'SUCCESS',
      envelopeDer: sealEnvelope(certsOnly(certs), requesterDer, cipherOid),
      certificateId: outcome.certificate_id,
    };
  }
}
