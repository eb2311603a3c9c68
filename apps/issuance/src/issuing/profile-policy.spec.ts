import { AppError, ConfigRpc } from '@certctl/contracts';
import { PkiError } from '@certctl/pki';
import { ProfilePolicies, policyOfProfile, signingRefusal } from './profile-policy';

const profile = {
  id: 'prof-1',
  name: 'web',
  description: '',
  allowed_key_algorithms: [{ algorithm: 'ECDSA' as const, min_size: 256 }],
  max_validity_days: 90,
  max_validity_seconds: null,
  ekus: ['serverAuth' as const],
  san_rules: { allow_wildcards: false, allow_ip: true, max_sans: 5, dns_suffixes: ['corp.example', 7] },
  requires_approval: false,
  short_lived: false,
  key_generation: 'server' as const,
  acme_auth_mode: 'challenge' as const,
  acme_eab_required: false,
  allow_internal_names: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('profile policy for the signer', () => {
  it("maps a profile onto the signer's policy, ignoring malformed SAN rule values", () => {
    expect(policyOfProfile(profile)).toEqual({
      allowedKeyAlgorithms: [{ algorithm: 'ECDSA', minSize: 256 }],
      maxValidityDays: 90,
      ekus: ['serverAuth'],
      san: { allowWildcards: false, allowIp: true, allowEmail: undefined, allowUri: undefined, maxSans: 5, dnsSuffixes: ['corp.example'] },
    });
  });

  it("maps max_validity_seconds, when the profile sets it, onto the signer's policy", () => {
    expect(policyOfProfile({ ...profile, max_validity_seconds: 600 })).toMatchObject({ maxValidityDays: 90, maxValiditySeconds: 600 });
    expect(policyOfProfile(profile)).not.toHaveProperty('maxValiditySeconds');
  });

  it('fetches a profile once for a burst of jobs and none without a profile', async () => {
    const rpc = { request: jest.fn(async () => profile) };
    const policies = new ProfilePolicies(rpc as never);
    expect(await policies.of(null)).toBeUndefined();
    const [a, b] = await Promise.all([policies.of('prof-1'), policies.of('prof-1')]);
    expect(a).toEqual(b);
    expect(rpc.request).toHaveBeenCalledTimes(1);
    expect(rpc.request).toHaveBeenCalledWith(ConfigRpc.profile.get, { id: 'prof-1' });
  });

  it('turns a signer refusal into a final (non-retryable) validation failure that keeps the reason', () => {
    const refused = signingRefusal(new PkiError('name_constraint_violation', 'name constraint violated: x.test (dNSName) ...'));
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: 'validation_failed',
      retryable: false,
      message: 'name constraint violated: x.test (dNSName) ...',
    });
    const other = new Error('database down');
    expect(signingRefusal(other)).toBe(other);
  });
});
