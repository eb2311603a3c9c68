import { AppError } from '@certctl/contracts';

/** RFC 8555 §7.1.6 statuses of an order, an authorization and a challenge. */
export type OrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
export type AuthzStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired';
export type ChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';

/**
 * Every allowed order status change, in one table. `processing → ready` gives an order back
 * to its client when inventory refused to queue the issuance, so it may finalize again.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['ready', 'invalid'],
  ready: ['processing', 'invalid'],
  processing: ['ready', 'valid', 'invalid'],
  valid: [],
  invalid: [],
};

/** Every allowed authorization status change (RFC 8555 §7.1.6, figure 3). */
export const AUTHZ_TRANSITIONS: Readonly<Record<AuthzStatus, readonly AuthzStatus[]>> = {
  pending: ['valid', 'invalid', 'deactivated', 'expired'],
  valid: ['deactivated'],
  invalid: [],
  deactivated: [],
  expired: [],
};

/** Every allowed challenge status change; `processing` is the claim of the replica that validates it. */
export const CHALLENGE_TRANSITIONS: Readonly<Record<ChallengeStatus, readonly ChallengeStatus[]>> = {
  pending: ['processing'],
  processing: ['valid', 'invalid'],
  valid: [],
  invalid: [],
};

/** The statuses a new order, authorization or challenge may start in (trusted accounts start done). */
export const INITIAL_ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'ready'];
export const INITIAL_AUTHZ_STATUSES: readonly AuthzStatus[] = ['pending', 'valid'];
export const INITIAL_CHALLENGE_STATUSES: readonly ChallengeStatus[] = ['pending', 'valid'];

/** Orders a client may still act on. */
export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'ready', 'processing'];
/** Orders that have not reached finalization and that expiry, deactivation or a failed challenge ends. */
export const UNFINALIZED_ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'ready'];

type Machine = 'order' | 'authorization' | 'challenge';
const TABLES: Record<Machine, Readonly<Record<string, readonly string[]>>> = {
  order: ORDER_TRANSITIONS,
  authorization: AUTHZ_TRANSITIONS,
  challenge: CHALLENGE_TRANSITIONS,
};

export function canTransition(machine: 'order', from: OrderStatus, to: OrderStatus): boolean;
export function canTransition(machine: 'authorization', from: AuthzStatus, to: AuthzStatus): boolean;
export function canTransition(machine: 'challenge', from: ChallengeStatus, to: ChallengeStatus): boolean;
export function canTransition(machine: Machine, from: string, to: string): boolean {
  return TABLES[machine][from]?.includes(to) ?? false;
}

/**
 * The one check every status write goes through: each of the statuses a conditional update
 * moves from must be allowed to reach `to`, or the write is refused with `illegal_transition`.
 */
export function assertTransition(machine: 'order', from: readonly OrderStatus[], to: OrderStatus): void;
export function assertTransition(machine: 'authorization', from: readonly AuthzStatus[], to: AuthzStatus): void;
export function assertTransition(machine: 'challenge', from: readonly ChallengeStatus[], to: ChallengeStatus): void;
export function assertTransition(machine: Machine, from: readonly string[], to: string): void {
  for (const status of from) {
    if (!(TABLES[machine][status]?.includes(to) ?? false)) {
      throw new AppError('illegal_transition', `an ACME ${machine} cannot go from ${status} to ${to}`);
    }
  }
}

/** The check for a new row's status. */
export function assertInitialStatus(machine: 'order', status: OrderStatus): void;
export function assertInitialStatus(machine: 'authorization', status: AuthzStatus): void;
export function assertInitialStatus(machine: 'challenge', status: ChallengeStatus): void;
export function assertInitialStatus(machine: Machine, status: string): void {
  const initial: Record<Machine, readonly string[]> = {
    order: INITIAL_ORDER_STATUSES,
    authorization: INITIAL_AUTHZ_STATUSES,
    challenge: INITIAL_CHALLENGE_STATUSES,
  };
  if (!initial[machine].includes(status)) throw new AppError('illegal_transition', `an ACME ${machine} cannot start ${status}`);
}
