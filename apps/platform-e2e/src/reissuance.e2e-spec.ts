import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRows, expectProblem, mapLimit, waitFor } from './http';
import {
  call,
  campaignCompleted,
  campaignOf,
  createCertificates,
  crlListing,
  issuer,
  ocspQuery,
  startCampaign,
} from './reissuance-e2e-support';
import { restartService } from './restart';

const run = Date.now().toString(36);
const N = 100; // the 1,000 is fleet-reissuance-scale.e2e-spec.ts (and loadtest/reissuance.mjs)
const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-reissuance-'));

/** Creates certificates from `issuerId` and waits until each is active with its first version. */
async function fleet(prefix: string, count: number, issuerId: string): Promise<string[]> {
  const ids = await createCertificates(prefix, count, issuerId);
  await mapLimit(ids, 8, (id) =>
    waitFor(
      async () => ((await call('GET', `/api/v1/certificates/${id}`)).body.status === 'active' ? true : undefined),
      180000,
      `${id} active`,
    ),
  );
  return ids;
}

const campaign = campaignOf;

describe('emergency fleet re-issuance', () => {
  const root = `iss-root-${run}`;
  const mid = `iss-mid-${run}`;
  const issuing = `iss-issuing-${run}`;
  const replacement = `iss-new-${run}`;
  let underIssuing: string[];
  let underMid: string[];
  let bystanders: string[];
  let oldSerials: Map<string, { serial: string; issuer: string; pem: string }>;
  let id: string;

  beforeAll(async () => {
    await issuer(root, undefined, 2);
    await issuer(mid, root, 1);
    await issuer(issuing, mid, 0);
    await issuer(replacement, root, 0);
    // 70 certificates from the issuing CA under the intermediate, 30 from the intermediate itself, 3 elsewhere.
    underIssuing = await fleet(`ri${run}a`, 70, issuing);
    underMid = await fleet(`ri${run}b`, N - 70, mid);
    bystanders = await fleet(`ri${run}c`, 3, 'iss-local');
    oldSerials = new Map();
    await mapLimit([...underIssuing, ...underMid], 8, async (cert) => {
      const c = (await call('GET', `/api/v1/certificates/${cert}`)).body;
      oldSerials.set(cert, { serial: c.current_version.serial_number, issuer: c.current_version.issuer_id, pem: c.certificate_pem });
    });
  }, 600000);

  it('err/a campaign that selects nothing, names a missing issuer or forces without a reason is a 422 naming the field', async () => {
    expectProblem(await call('POST', '/api/v1/reissuance-campaigns', { revoke_old: 'keyCompromise' }), 422);
    const missing = await call('POST', '/api/v1/reissuance-campaigns', { issuer_id: mid, new_issuer_id: 'iss-nope' });
    expectProblem(missing, 422);
    expect(JSON.stringify(missing.body)).toContain('new_issuer_id');
    expectProblem(await call('POST', '/api/v1/reissuance-campaigns', { issuer_id: mid, force_revoke: true }), 422);
    expectProblem(await call('GET', '/api/v1/reissuance-campaigns/rc-nope'), 404);
  });

  it('ok/a dry run lists every certificate under the intermediate with its steps and writes nothing', async () => {
    const before = (await call('GET', '/api/v1/reissuance-campaigns?limit=200')).body.data.length;
    const r = { body: await startCampaign(mid, replacement, { dry_run: true }) };
    expect(r.body).toMatchObject({ dry_run: true, total: N });
    expect(new Set(r.body.items.map((i: { certificate_id: string }) => i.certificate_id))).toEqual(new Set([...underIssuing, ...underMid]));
    const first = r.body.items.find((i: { certificate_id: string }) => i.certificate_id === underIssuing[0]);
    expect(first.steps).toEqual([
      `issue a replacement from ${replacement}`,
      'no deployment target: nothing to deploy',
      'verify the replacement (issuer, validity, deployments)',
      `revoke the old version ${oldSerials.get(underIssuing[0]!)!.serial} (keyCompromise) after verification`,
    ]);
    expect((await call('GET', '/api/v1/reissuance-campaigns?limit=200')).body.data.length).toBe(before);
    expect((await call('GET', `/api/v1/certificates/${underIssuing[0]}/versions`)).body.data).toHaveLength(1);
  });

  it('ok/the campaign replaces all, survives pause, resume and a restart of inventory and scheduler, and revokes the old versions', async () => {
    const created = { body: await startCampaign(mid, replacement, { rate_per_minute: 300 }) };
    id = created.body.id;
    expect(created.body).toMatchObject({ status: 'running', new_issuer_id: replacement, revoke_old: 'keyCompromise', force_revoke: false });
    expect(created.body.progress.total).toBe(N);
    const audit = await auditRows('reissuance.create', id);
    expect(audit[0]).toMatchObject({ status: 201 });

    // Pause once some are done: nothing moves while paused.
    await waitFor(async () => ((await campaign(id)).progress.done >= 10 ? true : undefined), 120000, '10 items done');
    expect((await call('POST', `/api/v1/reissuance-campaigns/${id}/pause`)).body.status).toBe('paused');
    await new Promise((res) => setTimeout(res, 5000)); // a round already running when the pause landed finishes its phase
    const frozen = (await campaign(id)).progress;
    await new Promise((res) => setTimeout(res, 4000));
    expect((await campaign(id)).progress).toMatchObject({ done: frozen.done, pending: frozen.pending, in_progress: frozen.in_progress });
    expect(frozen.remaining).toBeGreaterThan(0);
    expectProblem(await call('POST', `/api/v1/reissuance-campaigns/${id}/pause`), 409);
    expect((await call('POST', `/api/v1/reissuance-campaigns/${id}/resume`)).body.status).toBe('running');
    await auditRows('reissuance.pause', id);
    await auditRows('reissuance.resume', id);

    // Restart the driver's two halves in the middle.
    await waitFor(async () => ((await campaign(id)).progress.done >= frozen.done + 10 ? true : undefined), 120000, '10 more done');
    await restartService('inventory');
    await restartService('scheduler');

    const finished = await campaignCompleted(id, 300000);
    expect(finished.progress).toMatchObject({ total: N, done: N, failed: 0, remaining: 0, eta_seconds: null });
    const failed = await call('GET', `/api/v1/reissuance-campaigns/${id}/items?status=failed`);
    expect(failed.body.data).toEqual([]);

    // Exactly one replacement per certificate, from the new issuer; the bystanders untouched.
    await mapLimit([...underIssuing, ...underMid], 8, async (cert) => {
      const versions = (await call('GET', `/api/v1/certificates/${cert}/versions`)).body.data;
      expect(versions).toHaveLength(2);
      const c = (await call('GET', `/api/v1/certificates/${cert}`)).body;
      expect({ status: c.status, issuer: c.current_version.issuer_id }).toEqual({ status: 'active', issuer: replacement });
    });
    for (const cert of bystanders) expect((await call('GET', `/api/v1/certificates/${cert}/versions`)).body.data).toHaveLength(1);
  }, 600000);

  it('ok/every old version is on its issuer’s CRL, and openssl ocsp says revoked (keyCompromise) for them', async () => {
    for (const iss of [issuing, mid]) {
      const expected = [...oldSerials.values()].filter((o) => o.issuer === iss).map((o) => o.serial);
      expect(await crlListing(dir, iss, expected)).toContain('Key Compromise');
    }
    const caPem = (await call('GET', `/api/v1/issuers/${issuing}`)).body.ca_certificate_pem;
    const chain = (await call('GET', `/api/v1/issuers/${issuing}`)).body.ca_chain_pem ?? '';
    const rootPem = (await call('GET', `/api/v1/issuers/${root}`)).body.ca_certificate_pem;
    const sample = underIssuing.slice(0, 10).map((cert) => oldSerials.get(cert)!.pem);
    const { out, files } = await ocspQuery(dir, issuing, sample, `${caPem}\n${chain}\n${rootPem}`);
    expect(out).toContain('Response verify OK');
    expect(files.filter((p) => out.includes(`${p}: revoked`))).toHaveLength(files.length);
    expect(out).toContain('Reason: keyCompromise');
  }, 120000);

  it('ok/the items list pages and the retry of an item that did not fail is a 409', async () => {
    const page = await call('GET', `/api/v1/reissuance-campaigns/${id}/items?limit=60`);
    expect(page.body.data).toHaveLength(60);
    expect(page.body.data[0]).toMatchObject({ status: 'done', attempt: 0, old_serial: expect.any(String), job_id: expect.any(String) });
    const rest = await call('GET', `/api/v1/reissuance-campaigns/${id}/items?limit=60&cursor=${page.body.next_cursor}`);
    expect(rest.body.data).toHaveLength(N - 60);
    expect(rest.body.next_cursor).toBeNull();
    expectProblem(await call('POST', `/api/v1/reissuance-campaigns/${id}/items/${page.body.data[0].id}/retry`), 409);
    expectProblem(await call('POST', `/api/v1/reissuance-campaigns/${id}/cancel`), 409);
  });
});
