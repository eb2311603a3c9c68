import { hashSecret, verifySecret } from './secret-hash';

describe('secret verifiers (scrypt)', () => {
  it('the right password verifies, another one does not, and the verifier never contains the password', async () => {
    const verifier = await hashSecret('correct horse battery staple');
    expect(verifier).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(verifier).not.toContain('horse');
    await expect(verifySecret('correct horse battery staple', verifier)).resolves.toBe(true);
    await expect(verifySecret('correct horse battery stapl', verifier)).resolves.toBe(false);
  });

  it('two hashes of one password differ (random salt)', async () => {
    expect(await hashSecret('same password here!')).not.toBe(await hashSecret('same password here!'));
  });

  it('a malformed or hostile verifier is false, never a throw', async () => {
    for (const bad of ['', 'plain', 'scrypt$1$2$3$x$y', 'scrypt$99999999$8$1$AAAA$AAAA', 'bcrypt$1$2$3$4$5']) {
      await expect(verifySecret('whatever', bad)).resolves.toBe(false);
    }
  });
});
