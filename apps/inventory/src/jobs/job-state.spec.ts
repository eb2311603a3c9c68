import { AppError } from '@certctl/contracts';
import { JOB_TRANSITIONS, assertAgentTransition, assertTransition, canTransition } from './job-state';

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

  it('ok/a job waiting for an asynchronous CA leaves awaiting_ca only by completing, failing or being cancelled', () => {
    expect(canTransition('running', 'awaiting_ca')).toBe(true);
    expect(JOB_TRANSITIONS.awaiting_ca).toEqual(['completed', 'failed', 'cancelled']);
    // a poll never turns back into a worker's attempt
    expect(canTransition('awaiting_ca', 'running')).toBe(false);
    expect(canTransition('awaiting_ca', 'pending')).toBe(false);
    expect(canTransition('pending', 'awaiting_ca')).toBe(false);
    expect(() => assertTransition('job-1', 'cancelled', 'awaiting_ca')).toThrow(AppError);
  });

  it('ok/terminal states have no way out except an operator retry of failed', () => {
    expect(JOB_TRANSITIONS.completed).toEqual([]);
    expect(JOB_TRANSITIONS.cancelled).toEqual([]);
    expect(JOB_TRANSITIONS.failed).toEqual(['pending']);
  });
});

describe('agent-originated transitions', () => {
  function codeOf(fn: () => void): string | undefined {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      return (e as AppError).code;
    }
    return undefined;
  }

  it.each([
    ['running', 'completed'],
    ['running', 'failed'],
    ['running', 'running'],
  ] as const)('ok/a deployment job %s → %s', (from, to) => {
    expect(codeOf(() => assertAgentTransition({ id: 'job-1', type: 'deployment', status: from }, to))).toBeUndefined();
  });

  it.each(['issuance', 'renewal', 'revocation'] as const)('fail/a %s job is never the agent’s to move (403)', (type) => {
    for (const [from, to] of [
      ['running', 'completed'],
      ['running', 'failed'],
      ['pending', 'running'],
      ['awaiting_approval', 'failed'],
    ] as const) {
      expect(codeOf(() => assertAgentTransition({ id: 'job-1', type, status: from }, to))).toBe('forbidden');
    }
  });

  it('fail/a job awaiting approval cannot be moved by an agent even where the table allows the move (409)', () => {
    expect(canTransition('awaiting_approval', 'failed')).toBe(true);
    for (const to of ['failed', 'running', 'completed'] as const) {
      expect(codeOf(() => assertAgentTransition({ id: 'job-1', type: 'deployment', status: 'awaiting_approval' }, to))).toBe(
        'illegal_transition',
      );
    }
  });

  it('fail/the transition table still applies to deployment jobs', () => {
    expect(codeOf(() => assertAgentTransition({ id: 'job-1', type: 'deployment', status: 'completed' }, 'running'))).toBe(
      'illegal_transition',
    );
  });
});
