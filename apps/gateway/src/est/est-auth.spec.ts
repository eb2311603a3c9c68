import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '@certctl/pki';
import { BasicLockout, VerifiedPasswords, basicCredentials, chainsToTrust } from './est-auth';

const dir = mkdtempSync(join(tmpdir(), 'est-auth-'));
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** A CA (openssl req -x509) and a leaf it signed. */
function caAndLeaf(name: string) {
  const f = (s: string) => join(dir, `${name}-${s}`);
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', `/CN=${name} CA`, '-days', '2');
  openssl('req', '-new', ...ec, '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${name} leaf`);
  openssl(
    'x509',
    '-req',
    '-in',
    f('leaf.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('leaf.pem'),
    '-days',
    '1',
  );
  return { caPem: readFileSync(f('ca.pem'), 'utf8'), leaf: new X509Certificate(readFileSync(f('leaf.pem'))) };
}

describe('EST authentication pieces', () => {
  it('Basic credentials: user and password (colons allowed in the password); anything else is null', () => {
    const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(basicCredentials(header('dev:pa:ss'))).toEqual({ user: 'dev', password: 'pa:ss' });
    expect(basicCredentials(header('no-colon'))).toBeNull();
    expect(basicCredentials('Bearer abc')).toBeNull();
    expect(basicCredentials(undefined)).toBeNull();
  });

  it('lockout: the Nth failure within the window locks the client for lockMs; success clears the count; other clients are unaffected', () => {
    let now = 0;
    const lockout = new BasicLockout({ maxFailures: 3, windowMs: 1000, lockMs: 5000 }, () => now);
    expect(lockout.fail('a')).toBe(false);
    now = 1500; // the first failure left the window
    expect(lockout.fail('a')).toBe(false);
    expect(lockout.fail('a')).toBe(false);
    expect(lockout.fail('a')).toBe(true);
    expect(lockout.lockedFor('a')).toBe(5000);
    expect(lockout.lockedFor('b')).toBe(0);
    now = 6500;
    expect(lockout.lockedFor('a')).toBe(0);
    lockout.fail('a');
    lockout.succeed('a');
    lockout.fail('a');
    lockout.fail('a');
    expect(lockout.lockedFor('a')).toBe(0);
  });

  it('passwords: the right one verifies (then from memory), a wrong one never does', async () => {
    const verifier = await hashSecret('sixteen-chars-long!');
    const passwords = new VerifiedPasswords();
    await expect(passwords.check('sixteen-chars-long!', verifier)).resolves.toBe(true);
    await expect(passwords.check('sixteen-chars-long!', verifier)).resolves.toBe(true);
    await expect(passwords.check('sixteen-chars-long?', verifier)).resolves.toBe(false);
  });

  it('client certificates chain to the trust bundle or are refused (another CA, garbage bundle, expired)', () => {
    const trusted = caAndLeaf('trusted');
    const stranger = caAndLeaf('stranger');
    expect(chainsToTrust(trusted.leaf, [], trusted.caPem)).toBe(true);
    expect(chainsToTrust(stranger.leaf, [], trusted.caPem)).toBe(false);
    expect(chainsToTrust(trusted.leaf, [], 'not a pem')).toBe(false);
    expect(chainsToTrust(trusted.leaf, [], trusted.caPem, new Date(Date.now() + 3 * 86_400_000))).toBe(false);
  });
});
