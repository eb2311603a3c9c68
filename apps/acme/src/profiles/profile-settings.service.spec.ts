import { AppError, ConfigRpc, Rpc } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { AcmeConfig } from '../config';
import type { ProfileSettingRow, ProfileSettingsRepository } from './profile-settings.repository';
import { ProfileSettingsService } from './profile-settings.service';

const config = {
  CERTCTL_ACME_DEFAULT_PROFILE_ID: 'prof-standard-tls',
  CERTCTL_ACME_ISSUER_ID: 'iss-local',
  CERTCTL_ACME_OWNER_ID: 'o-alice',
  CERTCTL_ACME_TEAM_ID: 't-platform',
  CERTCTL_ACME_RENEWAL_POLICY_ID: 'rp-standard',
  CERTCTL_ACME_HTTP01_PORT: 80,
  CERTCTL_ACME_TLSALPN01_PORT: 443,
  CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: false,
  CERTCTL_ACME_VALIDATION_TIMEOUT_MS: 10000,
} as AcmeConfig;
const actor = { principal: 'admin-key', role: 'admin' as const };
const none = { issuer_id: null, owner_id: null, team_id: null, renewal_policy_id: null };

/** A bus where inventory and issuance know exactly the ids given. */
function setup(known: { issuers?: Record<string, boolean>; ids?: string[]; profiles?: string[] } = {}) {
  const rows = new Map<string, ProfileSettingRow>();
  const repository = {
    find: jest.fn(async (id: string) => rows.get(id) ?? null),
    save: jest.fn(async (profileId: string, o: Omit<ProfileSettingRow, 'profileId' | 'updatedBy' | 'updatedAt'>, updatedBy: string) => {
      const row = { profileId, ...o, updatedBy, updatedAt: new Date('2026-01-01T00:00:00Z') };
      rows.set(profileId, row);
      return row;
    }),
  };
  const profiles = known.profiles ?? ['prof-acme'];
  const ids = new Set(known.ids ?? []);
  const request = jest.fn(async (contract: { subject: string }, req: { id: string }) => {
    if (contract.subject === ConfigRpc.profile.get.subject) {
      if (!profiles.includes(req.id)) throw AppError.notFound('profile', req.id);
      return { id: req.id, acme_eab_required: false };
    }
    if (contract.subject === Rpc.issuance.issuerGet.subject) {
      if (!(req.id in (known.issuers ?? {}))) throw AppError.notFound('issuer', req.id);
      return { id: req.id, enabled: known.issuers![req.id] };
    }
    if (!ids.has(req.id)) throw AppError.notFound('thing', req.id);
    return { id: req.id };
  });
  const service = new ProfileSettingsService(
    repository as unknown as ProfileSettingsRepository,
    { request } as unknown as RpcClient,
    config,
  );
  return { service, repository, request };
}

describe('ProfileSettingsService (fake repository and bus)', () => {
  it('ok/set defaults are stored with the actor and are where the next order lands', async () => {
    const { service, repository } = setup({ issuers: { 'iss-sub': true }, ids: ['o-bob', 't-web', 'rp-short'] });
    const out = await service.setDefaults(actor, 'prof-acme', {
      issuer_id: 'iss-sub',
      owner_id: 'o-bob',
      team_id: 't-web',
      renewal_policy_id: 'rp-short',
    });
    expect(out).toMatchObject({
      profile_id: 'prof-acme',
      directory_path: '/acme/profile/prof-acme/directory',
      is_default: false,
      certificate_source: 'acme',
      defaults: { issuer_id: 'iss-sub', owner_id: 'o-bob', team_id: 't-web', renewal_policy_id: 'rp-short' },
      validation: { http_01_port: 80, tls_alpn_01_port: 443 },
      updated_by: 'admin-key',
    });
    expect(repository.save).toHaveBeenCalledWith(
      'prof-acme',
      { issuerId: 'iss-sub', ownerId: 'o-bob', teamId: 't-web', renewalPolicyId: 'rp-short' },
      'admin-key',
    );
    expect(await service.landing('prof-acme')).toEqual(out.defaults);
  });

  it('ok/null ids are not looked up and fall back to the server settings', async () => {
    const { service, request } = setup({ ids: ['t-web'] });
    const out = await service.setDefaults(actor, 'prof-acme', { ...none, team_id: 't-web' });
    expect(out.defaults).toEqual({ issuer_id: 'iss-local', owner_id: 'o-alice', team_id: 't-web', renewal_policy_id: 'rp-standard' });
    expect(out.overrides).toEqual({ ...none, team_id: 't-web' });
    expect(request).toHaveBeenCalledTimes(2); // the profile and the team
  });

  it('fail/every id that does not exist is a 422 naming its field, and nothing is stored', async () => {
    const { service, repository } = setup({ issuers: { 'iss-off': false }, ids: ['t-web'] });
    const err = await service
      .setDefaults(actor, 'prof-acme', { issuer_id: 'iss-off', owner_id: 'o-ghost', team_id: 't-web', renewal_policy_id: 'rp-ghost' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation_failed');
    expect((err as AppError).fields).toEqual([
      { field: 'issuer_id', message: 'issuer "iss-off" is disabled and cannot sign' },
      { field: 'owner_id', message: 'there is no owner "o-ghost"' },
      { field: 'renewal_policy_id', message: 'there is no renewal policy "rp-ghost"' },
    ]);
    expect(repository.save).not.toHaveBeenCalled();
  });

  it('fail/an unknown profile is not_found, for reading and for setting', async () => {
    const { service, repository } = setup();
    await expect(service.get('prof-ghost')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.setDefaults(actor, 'prof-ghost', none)).rejects.toMatchObject({ code: 'not_found' });
    expect(repository.save).not.toHaveBeenCalled();
  });

  it('ok/the directory shows a change made on this replica at once', async () => {
    const { service } = setup({ ids: ['o-bob'] });
    expect(await service.directoryMeta('prof-acme')).toMatchObject({ owner: 'o-alice' });
    await service.setDefaults(actor, 'prof-acme', { ...none, owner_id: 'o-bob' });
    expect(await service.directoryMeta('prof-acme')).toMatchObject({ owner: 'o-bob', profile: 'prof-acme' });
  });
});
