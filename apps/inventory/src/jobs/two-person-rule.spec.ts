import { isSameRequester } from './two-person-rule';

describe('two-person rule', () => {
  const job = { requestedBy: 'bob', requestedByKeyId: 'key-b', requestedByOwner: 'key-alice' };

  it.each([
    ['the same principal', { principal: 'bob', role: 'admin' }],
    ['the requesting key under another name', { principal: 'robert', role: 'admin', key_id: 'key-b', owner_key_id: 'key-alice' }],
    [
      'the owner key that created the requesting key',
      { principal: 'alice', role: 'admin', key_id: 'key-alice', owner_key_id: 'key-alice' },
    ],
    ['a sibling key of the same owner', { principal: 'mallory', role: 'admin', key_id: 'key-b2', owner_key_id: 'key-alice' }],
  ])('fail/%s counts as the requester', (_name, actor) => {
    expect(isSameRequester(job, actor)).toBe(true);
  });

  it('fail/a request made with the owner key itself cannot be decided by a key that owner made', () => {
    const own = { requestedBy: 'alice', requestedByKeyId: 'key-alice', requestedByOwner: 'key-alice' };
    expect(isSameRequester(own, { principal: 'bob', role: 'admin', key_id: 'key-b', owner_key_id: 'key-alice' })).toBe(true);
  });

  it('ok/another person’s key decides', () => {
    expect(isSameRequester(job, { principal: 'carol', role: 'admin', key_id: 'key-carol', owner_key_id: 'key-carol' })).toBe(false);
  });

  it('ok/jobs recorded without keys (older rows, the platform) are compared by principal only', () => {
    const old = { requestedBy: 'scheduler', requestedByKeyId: null, requestedByOwner: null };
    expect(isSameRequester(old, { principal: 'carol', role: 'admin', key_id: 'key-carol', owner_key_id: 'key-carol' })).toBe(false);
    expect(isSameRequester(old, { principal: 'scheduler', role: 'admin' })).toBe(true);
  });
});
