import { verifySecret } from '@certctl/pki';
import { VerifiedPasswords } from './est-auth';

jest.mock('@certctl/pki', () => ({
  ...jest.requireActual('@certctl/pki'),
  verifySecret: jest.fn(async (password: string) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return password === 'right-password-16';
  }),
}));
const kdf = verifySecret as jest.MockedFunction<typeof verifySecret>;

describe('VerifiedPasswords', () => {
  beforeEach(() => kdf.mockClear());

  it('ok/twenty devices enrolling at once with one password pay the KDF once', async () => {
    const passwords = new VerifiedPasswords();
    const results = await Promise.all(Array.from({ length: 20 }, () => passwords.check('right-password-16', 'scrypt$v')));
    expect(results).toEqual(Array(20).fill(true));
    expect(kdf).toHaveBeenCalledTimes(1);
    await expect(passwords.check('right-password-16', 'scrypt$v')).resolves.toBe(true);
    expect(kdf).toHaveBeenCalledTimes(1);
  });

  it('err/a wrong password shared by concurrent requests is refused for each, and not remembered', async () => {
    const passwords = new VerifiedPasswords();
    const results = await Promise.all(Array.from({ length: 5 }, () => passwords.check('wrong-password-16', 'scrypt$v')));
    expect(results).toEqual(Array(5).fill(false));
    expect(kdf).toHaveBeenCalledTimes(1);
    await expect(passwords.check('wrong-password-16', 'scrypt$v')).resolves.toBe(false);
    expect(kdf).toHaveBeenCalledTimes(2);
  });
});
