import * as acme from 'acme-client';
import { api, expectProblem, waitFor } from './http';
import { acmeFetch, directoryUrl, issueWithDns01, trustPlatformCa } from './acme-support';

jest.setTimeout(120000);
trustPlatformCa();

const run = Date.now().toString(36);
const fastPolling = { backoffAttempts: 30, backoffMin: 100, backoffMax: 500 };
let profileId: string;
let owner: string;
let team: string;
let policy: string;
let viewerKey: string;

async function created(path: string, body: Record<string, unknown>): Promise<string> {
  const r = await api('POST', path, { body });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

beforeAll(async () => {
  profileId = await created('/api/v1/profiles', { name: `acme-defaults-${run}`, allow_internal_names: true }); // the test orders .test names
  team = await created('/api/v1/teams', { name: `ACME team ${run}` });
  owner = await created('/api/v1/owners', { name: `ACME owner ${run}`, email: 'acme-owner@example.com', team_id: team });
  policy = await created('/api/v1/renewal-policies', { name: `acme-policy-${run}`, renew_before_days: 10 });
  const viewer = await api('POST', '/api/v1/api-keys', { body: { name: `acme-viewer-${run}`, role: 'viewer' } });
  expect(viewer.status).toBe(201);
  viewerKey = viewer.body.key;
});

describe('ACME profile defaults: where ACME certificates land, set per profile through the API', () => {
  it('ok/a profile without settings shows the server settings, the validation ports and its directory', async () => {
    const r = await api('GET', `/api/v1/acme/profiles/${profileId}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      profile_id: profileId,
      directory_path: `/acme/profile/${profileId}/directory`,
      is_default: false,
      certificate_source: 'acme',
      defaults: { issuer_id: 'iss-local', owner_id: 'o-alice', team_id: 't-platform', renewal_policy_id: 'rp-standard' },
      overrides: { issuer_id: null, owner_id: null, team_id: null, renewal_policy_id: null },
      validation: { http_01_port: expect.any(Number), tls_alpn_01_port: expect.any(Number) },
      updated_by: null,
    });
    const dir = await (await acmeFetch(directoryUrl(profileId))).json();
    expect(dir.meta.certctl).toEqual({
      profile: profileId,
      certificateSource: 'acme',
      issuer: 'iss-local',
      owner: 'o-alice',
      team: 't-platform',
      renewalPolicy: 'rp-standard',
      validationPorts: { 'http-01': r.body.validation.http_01_port, 'tls-alpn-01': r.body.validation.tls_alpn_01_port },
      settings: `/api/v1/acme/profiles/${profileId}`,
    });
  });

  it('ok/defaults set through the API are audited, shown in the directory meta, and an acme-client order lands there', async () => {
    const body = { issuer_id: 'iss-local', owner_id: owner, team_id: team, renewal_policy_id: policy };
    const set = await api('PUT', `/api/v1/acme/profiles/${profileId}/defaults`, { body });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ defaults: body, overrides: body, updated_by: expect.any(String) });
    const audit = await waitFor(async () => {
      const rows = (await api('GET', `/api/v1/audit?action=acme.profile.set_defaults&resource_id=${profileId}`)).body.data;
      return rows?.length ? rows : undefined;
    });
    expect(audit[0]).toMatchObject({ actor: set.body.updated_by, resource_type: 'certificate_profile', status: 200 });

    const dir = await (await acmeFetch(directoryUrl(profileId))).json();
    expect(dir.meta.certctl).toMatchObject({ profile: profileId, owner, team, renewalPolicy: policy, issuer: 'iss-local' });

    const name = `defaults-${run}.example.test`;
    const client = new acme.Client({
      directoryUrl: directoryUrl(profileId),
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      ...fastPolling,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
    await issueWithDns01(client, csr);
    const orders = (await api('GET', '/api/v1/acme/orders?status=valid&limit=500')).body.data as any[];
    const order = orders.find((o) => o.profile_id === profileId && o.identifiers.some((i: any) => i.value === name));
    expect(order?.certificate_id).toEqual(expect.any(String));
    const cert = await api('GET', `/api/v1/certificates/${order.certificate_id}`);
    expect(cert.status).toBe(200);
    expect(cert.body).toMatchObject({
      source: 'acme',
      profile_id: profileId,
      issuer_id: 'iss-local',
      owner_id: owner,
      team_id: team,
      renewal_policy_id: policy,
    });
  });

  it('ok/null gives a field back to the server setting', async () => {
    const r = await api('PUT', `/api/v1/acme/profiles/${profileId}/defaults`, { body: { owner_id: owner } });
    expect(r.status).toBe(200);
    expect(r.body.overrides).toEqual({ issuer_id: null, owner_id: owner, team_id: null, renewal_policy_id: null });
    expect(r.body.defaults).toEqual({ issuer_id: 'iss-local', owner_id: owner, team_id: 't-platform', renewal_policy_id: 'rp-standard' });
  });

  it('fail/ids that do not exist are a 422 naming each field, and nothing changes', async () => {
    const before = (await api('GET', `/api/v1/acme/profiles/${profileId}`)).body;
    const r = await api('PUT', `/api/v1/acme/profiles/${profileId}/defaults`, {
      body: { issuer_id: 'iss-nope', owner_id: 'o-nope', team_id: 't-nope', renewal_policy_id: 'rp-nope' },
    });
    expectProblem(r, 422);
    expect(r.body.errors).toEqual(
      expect.arrayContaining(['issuer_id', 'owner_id', 'team_id', 'renewal_policy_id'].map((field) => expect.objectContaining({ field }))),
    );
    expect((await api('GET', `/api/v1/acme/profiles/${profileId}`)).body).toEqual(before);
  });

  it('fail/an unknown field is a 422, an unknown profile a 404', async () => {
    expectProblem(await api('PUT', `/api/v1/acme/profiles/${profileId}/defaults`, { body: { profile_id: 'x' } }), 422);
    expectProblem(await api('PUT', `/api/v1/acme/profiles/prof-nope-${run}/defaults`, { body: {} }), 404);
    expectProblem(await api('GET', `/api/v1/acme/profiles/prof-nope-${run}`), 404);
  });

  it('fail/a viewer may read the settings but not change them (403)', async () => {
    expect((await api('GET', `/api/v1/acme/profiles/${profileId}`, { key: viewerKey })).status).toBe(200);
    expectProblem(await api('PUT', `/api/v1/acme/profiles/${profileId}/defaults`, { key: viewerKey, body: { owner_id: null } }), 403);
  });
});
