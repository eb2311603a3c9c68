import { ConfigRpc } from './groups';

describe('renewal policy windows', () => {
  const create = ConfigRpc.renewal_policy.createBody;

  it('fail/a fraction that would renew right after every issuance is refused, with the numbers', () => {
    const r = create.safeParse({ name: 'hot', renew_before_fraction: 0.99 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['renew_before_fraction'],
      message: expect.stringMatching(/after only 1 % of the lifetime.*0\.9 days.*at most 0\.8/),
    });
  });

  it('ok/the usual windows pass', () => {
    for (const f of [0.1, 1 / 3, 0.5, 0.8]) expect(create.safeParse({ name: 'ok', renew_before_fraction: f }).success).toBe(true);
    expect(create.safeParse({ name: 'days', renew_before_days: 30 }).success).toBe(true);
  });
});
