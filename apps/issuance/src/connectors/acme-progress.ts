// What the ACME connector does next with an order, from the order's and its authorizations'
// status (RFC 8555 §7.1.6): answer the challenges not yet answered, finalize a ready order,
// download a valid one's certificate, wait while the CA validates or issues, or give up with
// the CA's own reason. Pure, so each transition is unit-tested; acme.connector.ts acts on it.

type Problem = { type?: string; detail?: string };

export interface OrderView {
  status: string;
  error?: Problem;
}

export interface AuthorizationView {
  status: string;
  identifier: { value: string };
  wildcard?: boolean;
  challenges: { type: string; status: string; error?: Problem }[];
}

export type OrderStep<A extends AuthorizationView = AuthorizationView> =
  | { kind: 'answer'; authorizations: A[] }
  | { kind: 'finalize' }
  | { kind: 'download' }
  | { kind: 'wait'; detail: string }
  | { kind: 'fail'; detail: string };

/** `*.example.com` for a wildcard authorization, else its identifier. */
export function authorizationName(authz: AuthorizationView): string {
  return `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
}

function problemText(problem: Problem | undefined): string {
  if (!problem) return 'no reason given';
  const type = (problem.type ?? 'unknown').replace('urn:ietf:params:acme:error:', '');
  return problem.detail ? `${type}: ${problem.detail}` : type;
}

/** Why an authorization failed: its failed challenge's problem (RFC 8555 §7.1.4 error field). */
function authorizationFailure(authz: AuthorizationView, challengeType: string): string {
  const failed = authz.challenges.find((c) => c.status === 'invalid' && c.error) ?? authz.challenges.find((c) => c.type === challengeType);
  const type = failed?.type ?? challengeType;
  return `the ACME CA refused the ${type} challenge for ${authorizationName(authz)}: ${problemText(failed?.error)}`;
}

/**
 * The next step for `order`. `authorizations` are needed while the order is pending or invalid
 * (which one failed, which still need an answer); `challengeType` is the issuer's.
 */
export function nextStep<A extends AuthorizationView>(order: OrderView, authorizations: A[], challengeType: string): OrderStep<A> {
  const failed = authorizations.find((a) => a.status === 'invalid');
  switch (order.status) {
    case 'valid':
      return { kind: 'download' };
    case 'ready':
      return { kind: 'finalize' };
    case 'processing':
      return { kind: 'wait', detail: 'the ACME CA is issuing the certificate (order processing)' };
    case 'invalid':
      return {
        kind: 'fail',
        detail: failed ? authorizationFailure(failed, challengeType) : `the ACME CA invalidated the order: ${problemText(order.error)}`,
      };
    case 'pending': {
      if (failed) return { kind: 'fail', detail: authorizationFailure(failed, challengeType) };
      const unanswered = authorizations.filter(
        (a) => a.status === 'pending' && !a.challenges.some((c) => c.type === challengeType && c.status !== 'pending'),
      );
      if (unanswered.length) return { kind: 'answer', authorizations: unanswered };
      const valid = authorizations.filter((a) => a.status === 'valid').length;
      return {
        kind: 'wait',
        detail: `the ACME CA is validating (${valid} of ${authorizations.length} authorization${authorizations.length === 1 ? '' : 's'} valid)`,
      };
    }
    default:
      return { kind: 'fail', detail: `the ACME CA answered an order status RFC 8555 does not define: ${JSON.stringify(order.status)}` };
  }
}
