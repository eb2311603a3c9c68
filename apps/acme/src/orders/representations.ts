import type { AcmeUrls } from '../protocol/urls';
import type { AuthzRow, ChallengeRow } from './authorizations.repository';
import type { OrderRow } from './orders.repository';

/** The order resource a client reads (RFC 8555 §7.1.3). */
export function orderRepresentation(order: OrderRow, authz: { id: string }[], urls: AcmeUrls) {
  return {
    status: order.status,
    expires: order.expiresAt.toISOString(),
    identifiers: order.identifiers,
    authorizations: authz.map((a) => urls.authz(a.id)),
    finalize: urls.finalize(order.id),
    ...(order.certificatePem && order.status === 'valid' ? { certificate: urls.certificate(order.id) } : {}),
    ...(order.error ? { error: order.error } : {}),
    ...(order.replaces ? { replaces: order.replaces } : {}),
  };
}

/** The authorization resource (RFC 8555 §7.1.4). */
export function authzRepresentation(authz: AuthzRow, urls: AcmeUrls) {
  return {
    identifier: { type: authz.identifierType, value: authz.identifierValue },
    status: authz.status,
    expires: authz.expiresAt.toISOString(),
    challenges: authz.challenges.map((challenge) => challengeRepresentation(challenge, urls)),
    ...(authz.wildcard ? { wildcard: true } : {}),
  };
}

/** The challenge resource (RFC 8555 §7.1.5). */
export function challengeRepresentation(challenge: ChallengeRow, urls: AcmeUrls) {
  return {
    type: challenge.type,
    url: urls.challenge(challenge.id),
    status: challenge.status,
    token: challenge.token,
    ...(challenge.validatedAt ? { validated: challenge.validatedAt.toISOString() } : {}),
    ...(challenge.error ? { error: challenge.error } : {}),
    ...(challenge.validationRecord ? { validationRecord: challenge.validationRecord } : {}),
  };
}

/** The account's orders list (RFC 8555 §7.1.2.1). */
export function accountOrdersRepresentation(orderIds: string[], urls: AcmeUrls) {
  return { orders: orderIds.map((id) => urls.order(id)) };
}
