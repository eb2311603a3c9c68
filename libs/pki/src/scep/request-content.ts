import * as asn1js from 'asn1js';
import { cms, ownBytes } from './engine';
import { CmsOid, ScepFailure } from './oids';

/** The PKCS#10 request inside a PKCSReq/RenewalReq envelope, with its challengePassword attribute when present. */
export interface ScepCsr {
  csrDer: Buffer;
  challengePassword?: string;
}

export function readScepCsr(der: Uint8Array): ScepCsr {
  const pkijs = cms();
  let csr: InstanceType<typeof pkijs.CertificationRequest>;
  try {
    csr = pkijs.CertificationRequest.fromBER(ownBytes(der));
  } catch (err) {
    throw new ScepFailure('badRequest', `the envelope does not hold a PKCS#10 request (${(err as Error).message})`);
  }
  const value = csr.attributes?.find((a) => a.type === CmsOid.challengePassword)?.values[0] as unknown;
  const block = (value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock;
  return { csrDer: Buffer.from(der), challengePassword: typeof block?.value === 'string' ? block.value : undefined };
}

/** GetCertInitial (CertPoll) content: IssuerAndSubject; only its shape is checked, the transactionID finds the request. */
export function readCertPoll(der: Uint8Array): void {
  const parsed = asn1js.fromBER(ownBytes(der));
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence) || parsed.result.valueBlock.value.length !== 2) {
    throw new ScepFailure('badRequest', 'the envelope does not hold an IssuerAndSubject');
  }
}
