import { AppError } from '@certctl/contracts';
import {
  AUTHZ_TRANSITIONS,
  CHALLENGE_TRANSITIONS,
  ORDER_TRANSITIONS,
  assertInitialStatus,
  assertTransition,
  canTransition,
} from './order-state';

/** `fn` is refused with the typed error: an AppError whose code is illegal_transition. */
const refuses = (fn: () => void) =>
  expect(fn).toThrow(expect.objectContaining({ constructor: AppError, code: 'illegal_transition' }) as unknown as Error);
const passes = (fn: () => void) => expect(fn).not.toThrow();

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
    passes(() => assertTransition('order', [from], to));
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
    refuses(() => assertTransition('order', [from], to));
  });

  it('fail/a conditional write is refused when any one of its old statuses may not reach the new one', () => {
    passes(() => assertTransition('order', ['pending', 'ready'], 'invalid'));
    refuses(() => assertTransition('order', ['pending', 'ready'], 'processing'));
  });

  it('ok/valid and invalid are final', () => {
    expect(ORDER_TRANSITIONS.valid).toEqual([]);
    expect(ORDER_TRANSITIONS.invalid).toEqual([]);
  });

  it('ok/new orders start pending or ready, never further', () => {
    passes(() => assertInitialStatus('order', 'pending'));
    passes(() => assertInitialStatus('order', 'ready'));
    refuses(() => assertInitialStatus('order', 'valid'));
    refuses(() => assertInitialStatus('challenge', 'processing'));
  });
});

describe('ACME authorization and challenge state machines', () => {
  it('ok/an authorization leaves pending once; a valid one may only be deactivated (RFC 8555 §7.1.6)', () => {
    expect(AUTHZ_TRANSITIONS.pending).toEqual(['valid', 'invalid', 'deactivated', 'expired']);
    expect(AUTHZ_TRANSITIONS.valid).toEqual(['deactivated']);
    refuses(() => assertTransition('authorization', ['valid'], 'invalid'));
    refuses(() => assertTransition('authorization', ['expired'], 'valid'));
  });

  it('ok/a challenge is claimed before its outcome is written; the outcome is final', () => {
    expect(CHALLENGE_TRANSITIONS.pending).toEqual(['processing']);
    passes(() => assertTransition('challenge', ['processing'], 'valid'));
    refuses(() => assertTransition('challenge', ['pending'], 'valid'));
    refuses(() => assertTransition('challenge', ['valid'], 'invalid'));
  });
});
