import { ConfigRpc } from './groups';

describe('profile max_validity_seconds', () => {
  const create = ConfigRpc.profile.createBody;
  const update = ConfigRpc.profile.updateBody;

  it('ok/optional on create (null by default), settable and clearable (null) on update', () => {
    expect(create.parse({ name: 'web' }).max_validity_seconds).toBeNull();
    expect(create.parse({ name: 'short', max_validity_seconds: 600 }).max_validity_seconds).toBe(600);
    expect(update.parse({ max_validity_seconds: 86_400 * 3650 }).max_validity_seconds).toBe(315_360_000);
    expect(update.parse({ max_validity_seconds: null }).max_validity_seconds).toBeNull();
    expect(update.parse({})).not.toHaveProperty('max_validity_seconds');
  });

  it.each([299, 86_400 * 3650 + 1, 600.5, '600'])('fail/%p is refused naming the field', (value) => {
    const r = create.safeParse({ name: 'short', max_validity_seconds: value });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['max_validity_seconds']);
  });
});
