import { AppError } from '@certctl/contracts';
import {
  AUTHZ_TRANSITIONS,
  CHALLENGE_TRANSITIONS,
  ORDER_TRANSITIONS,
  assertInitialStatus,
  assertTransition,
  canTransition,
} from './order-state';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  return undefined;
}

describe('ACME order state machine', () => {
  it.each([
    ['pending', 'ready'],
    ['pending', 'invalid'],
    ['ready', 'processing'],
    ['ready', 'invalid'],
    ['processing', 'ready'],
    ['processing', 'valid'],
    ['processing', 'invalid'],
  ] as const)('ok/%s → %s', (from, to) => {
    expect(canTransition('order', from, to)).toBe(true);
    expect(codeOf(() => assertTransition('order', [from], to))).toBeUndefined();
  });

  it.each([
    ['pending', 'processing'],
    ['pending', 'valid'],
    ['ready', 'valid'],
    ['valid', 'invalid'],
    ['invalid', 'pending'],
    ['processing', 'pending'],
  ] as const)('fail/%s → %s is refused with illegal_transition', (from, to) => {
    expect(canTransition('order', from, to)).toBe(false);
    expect(codeOf(() => assertTransition('order', [from], to))).toBe('illegal_transition');
  });

  it('fail/a conditional write is refused when any one of its old statuses may not reach the new one', () => {
    expect(codeOf(() => assertTransition('order', ['pending', 'ready'], 'invalid'))).toBeUndefined();
    expect(codeOf(() => assertTransition('order', ['pending', 'ready'], 'processing'))).toBe('illegal_transition');
  });

  it('ok/valid and invalid are final', () => {
    expect(ORDER_TRANSITIONS.valid).toEqual([]);
    expect(ORDER_TRANSITIONS.invalid).toEqual([]);
  });

  it('ok/new orders start pending or ready, never further', () => {
    expect(codeOf(() => assertInitialStatus('order', 'pending'))).toBeUndefined();
    expect(codeOf(() => assertInitialStatus('order', 'ready'))).toBeUndefined();
    expect(codeOf(() => assertInitialStatus('order', 'valid'))).toBe('illegal_transition');
    expect(codeOf(() => assertInitialStatus('challenge', 'processing'))).toBe('illegal_transition');
  });
});

describe('ACME authorization and challenge state machines', () => {
  it('ok/an authorization leaves pending once; a valid one may only be deactivated (RFC 8555 §7.1.6)', () => {
    expect(AUTHZ_TRANSITIONS.pending).toEqual(['valid', 'invalid', 'deactivated', 'expired']);
    expect(AUTHZ_TRANSITIONS.valid).toEqual(['deactivated']);
    expect(codeOf(() => assertTransition('authorization', ['valid'], 'invalid'))).toBe('illegal_transition');
    expect(codeOf(() => assertTransition('authorization', ['expired'], 'valid'))).toBe('illegal_transition');
  });

  it('ok/a challenge is claimed before its outcome is written; the outcome is final', () => {
    expect(CHALLENGE_TRANSITIONS.pending).toEqual(['processing']);
    expect(codeOf(() => assertTransition('challenge', ['processing'], 'valid'))).toBeUndefined();
    expect(codeOf(() => assertTransition('challenge', ['pending'], 'valid'))).toBe('illegal_transition');
    expect(codeOf(() => assertTransition('challenge', ['valid'], 'invalid'))).toBe('illegal_transition');
  });
});
