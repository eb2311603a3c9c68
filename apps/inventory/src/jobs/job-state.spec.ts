import { AppError } from '@certctl/contracts';
import { JOB_TRANSITIONS, assertTransition, canTransition } from './job-state';

describe('job state machine', () => {
  it.each([
    ['pending', 'running'],
    ['running', 'completed'],
    ['running', 'running'],
    ['running', 'pending'],
    ['failed', 'pending'],
    ['awaiting_approval', 'pending'],
  ] as const)('ok/%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition('job-1', from, to)).not.toThrow();
  });

  it.each([
    ['completed', 'running'],
    ['completed', 'pending'],
    ['cancelled', 'pending'],
    ['pending', 'completed'],
    ['awaiting_approval', 'running'],
  ] as const)('fail/%s → %s is refused with a typed error', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let err: unknown;
    try {
      assertTransition('job-1', from, to);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('illegal_transition');
  });

  it('ok/terminal states have no way out except an operator retry of failed', () => {
    expect(JOB_TRANSITIONS.completed).toEqual([]);
    expect(JOB_TRANSITIONS.cancelled).toEqual([]);
    expect(JOB_TRANSITIONS.failed).toEqual(['pending']);
  });
});
