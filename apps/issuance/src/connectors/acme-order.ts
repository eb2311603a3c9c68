import type { getLogger } from '@certctl/observability';
import type { AcmeConfig } from './acme-config';
import { type Session, ariCertId, problemOf, step } from './acme-session';
import type { IssueRequest, IssuerContext } from './connector';
/**
 * RFC 9773 §5: a renewal at the CA that issued its predecessor names it in `replaces`, so the
 * CA can honour its own renewal window for it; only when the directory offers renewalInfo.
 */
export async function replacesId(session: Session, issuer: IssuerContext<AcmeConfig>, request: IssueRequest): Promise<string | undefined> {
  if (!request.replaces || request.replaces.issuerId !== issuer.id) return undefined;
  const directory = await step(session, 'the directory', () => session.http.getDirectory());
  if (typeof directory.renewalInfo !== 'string') return undefined;
  try {
    return ariCertId(request.replaces.certificatePem);
  } catch {
    return undefined; // no authority key identifier: the CA could not match it anyway
  }
}

/** newOrder, with `replaces` when there is one; a CA that refuses it (already replaced) gets a plain order. */
export async function newOrder(
  session: Session,
  order: { identifiers: { type: 'dns' | 'ip'; value: string }[]; profile?: string },
  replaces: string | undefined,
  log: ReturnType<typeof getLogger>,
) {
  if (replaces) {
    try {
      return await step(session, 'newOrder', () => session.client.createOrder({ ...order, replaces } as typeof order));
    } catch (err) {
      const type = problemOf(session.trace)?.type ?? '';
      if (!type.endsWith(':alreadyReplaced') && !type.endsWith(':malformed')) throw err;
      log.warn({ replaces, problem: type }, 'the ACME CA refused "replaces"; ordering without it');
    }
  }
  return step(session, 'newOrder', () => session.client.createOrder(order));
}
