import { AppError } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';
import { ProfileCache } from './profile-cache';

const dto = {
  id: 'prof-a',
  acme_auth_mode: 'challenge',
  acme_eab_required: false,
  allow_internal_names: true,
  allowed_key_algorithms: [{ algorithm: 'ECDSA', min_size: 256 }],
  san_rules: {},
};

function cacheWith(unknownMs: number) {
  const request = jest.fn(async (_c: unknown, body: { id: string }) => {
    if (body.id === 'prof-a') return dto;
    throw AppError.notFound('profile', body.id);
  });
  const config = { CERTCTL_ACME_DEFAULT_PROFILE_ID: 'prof-a', CERTCTL_ACME_UNKNOWN_PROFILE_CACHE_MS: unknownMs } as AcmeConfig;
  return { cache: new ProfileCache({ request } as unknown as RpcClient, config), request };
}

describe('ProfileCache', () => {
  it('ok/a profile is read once and carries allow_internal_names', async () => {
    const { cache, request } = cacheWith(10_000);
    expect(await cache.get('prof-a')).toMatchObject({ id: 'prof-a', allowInternalNames: true, isDefault: true });
    await cache.get('prof-a');
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('fail/an unknown profile is 404 malformed, remembered: repeated lookups cost no RPC', async () => {
    const { cache, request } = cacheWith(10_000);
    for (let i = 0; i < 5; i++) {
      const err = await cache.get('prof-nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AcmeError);
      expect(err).toMatchObject({ type: 'malformed', status: 404 });
    }
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('ok/with the negative cache off (0), every lookup asks inventory again', async () => {
    const { cache, request } = cacheWith(0);
    for (let i = 0; i < 3; i++) await cache.get('prof-nope').catch(() => undefined);
    expect(request).toHaveBeenCalledTimes(3);
  });

  it('ok/a failure other than not-found (inventory down) is not remembered', async () => {
    const request = jest.fn(async () => {
      throw new AppError('service_unavailable', 'down');
    });
    const config = { CERTCTL_ACME_DEFAULT_PROFILE_ID: 'prof-a', CERTCTL_ACME_UNKNOWN_PROFILE_CACHE_MS: 10_000 } as AcmeConfig;
    const cache = new ProfileCache({ request } as unknown as RpcClient, config);
    for (let i = 0; i < 2; i++) await expect(cache.get('prof-x')).rejects.toBeInstanceOf(AppError);
    expect(request).toHaveBeenCalledTimes(2);
  });
});
