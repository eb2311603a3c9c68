import { ownerForNewKey } from './key-owner';

describe('API key owners (two-person rule)', () => {
  const root = { key_id: 'key-root', created_by: null, owner_key_id: 'key-root' };

  it('ok/a key with no creator, and each key the root key creates, is its own owner', () => {
    expect(ownerForNewKey('key-boot', null)).toBe('key-boot');
    expect(ownerForNewKey('key-alice', root)).toBe('key-alice');
    expect(ownerForNewKey('key-carol', root)).toBe('key-carol');
  });

  it('fail/a key made from a person’s key counts as that person, however deep the chain', () => {
    const alice = { key_id: 'key-alice', created_by: 'key-root', owner_key_id: ownerForNewKey('key-alice', root) };
    const second = { key_id: 'key-b', created_by: alice.key_id, owner_key_id: ownerForNewKey('key-b', alice) };
    expect(second.owner_key_id).toBe('key-alice');
    const third = { key_id: 'key-c', created_by: second.key_id, owner_key_id: ownerForNewKey('key-c', second) };
    expect(third.owner_key_id).toBe('key-alice');
    expect(ownerForNewKey('key-d', third)).toBe('key-alice');
  });
});
