import { type AuthorizationView, nextStep } from './acme-progress';

const authz = (value: string, status: string, challengeStatus: string, extra: Partial<AuthorizationView> = {}): AuthorizationView => ({
  status,
  identifier: { value },
  challenges: [
    { type: 'http-01', status: challengeStatus },
    { type: 'dns-01', status: 'pending' },
  ],
  ...extra,
});

describe('ACME order progress (RFC 8555 §7.1.6 status transitions)', () => {
  it('ok/pending with unanswered authorizations: answer exactly those, not the valid or already answered ones', () => {
    const fresh = authz('a.example', 'pending', 'pending');
    const answered = authz('b.example', 'pending', 'processing');
    const reused = authz('c.example', 'valid', 'valid');
    expect(nextStep({ status: 'pending' }, [fresh, answered, reused], 'http-01')).toEqual({ kind: 'answer', authorizations: [fresh] });
  });

  it('ok/pending with every challenge answered: wait, saying how far validation is', () => {
    const step = nextStep(
      { status: 'pending' },
      [authz('a.example', 'valid', 'valid'), authz('b.example', 'pending', 'processing')],
      'http-01',
    );
    expect(step).toEqual({ kind: 'wait', detail: 'the ACME CA is validating (1 of 2 authorizations valid)' });
  });

  it('ok/ready is finalized, processing waits, valid is downloaded', () => {
    expect(nextStep({ status: 'ready' }, [], 'http-01')).toEqual({ kind: 'finalize' });
    expect(nextStep({ status: 'processing' }, [], 'http-01')).toMatchObject({ kind: 'wait' });
    expect(nextStep({ status: 'valid' }, [], 'http-01')).toEqual({ kind: 'download' });
  });

  it("fail/an invalid authorization fails the order with the challenge's own problem, even before the order turns invalid", () => {
    const failed = authz('www.a.example', 'invalid', 'invalid', {
      wildcard: true,
      challenges: [
        {
          type: 'dns-01',
          status: 'invalid',
          error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'Incorrect TXT record "x" found' },
        },
      ],
    });
    const expected = {
      kind: 'fail',
      detail: 'the ACME CA refused the dns-01 challenge for *.www.a.example: unauthorized: Incorrect TXT record "x" found',
    };
    expect(nextStep({ status: 'pending' }, [authz('a.example', 'valid', 'valid'), failed], 'dns-01')).toEqual(expected);
    expect(nextStep({ status: 'invalid' }, [failed], 'dns-01')).toEqual(expected);
  });

  it("fail/an invalid order without a failed authorization carries the order's error; an unknown status is refused", () => {
    expect(
      nextStep({ status: 'invalid', error: { type: 'urn:ietf:params:acme:error:badCSR', detail: 'key too small' } }, [], 'http-01'),
    ).toEqual({ kind: 'fail', detail: 'the ACME CA invalidated the order: badCSR: key too small' });
    expect(nextStep({ status: 'invalid' }, [], 'http-01')).toEqual({
      kind: 'fail',
      detail: 'the ACME CA invalidated the order: no reason given',
    });
    expect(nextStep({ status: 'expired' }, [], 'http-01')).toMatchObject({ kind: 'fail', detail: expect.stringContaining('"expired"') });
  });

  it('fail/an authorization without the issuer challenge type is to be answered (the connector then names what the CA offered)', () => {
    const dnsOnly: AuthorizationView = {
      status: 'pending',
      identifier: { value: 'a.example' },
      challenges: [{ type: 'dns-01', status: 'pending' }],
    };
    expect(nextStep({ status: 'pending' }, [dnsOnly], 'http-01')).toEqual({ kind: 'answer', authorizations: [dnsOnly] });
  });
});
