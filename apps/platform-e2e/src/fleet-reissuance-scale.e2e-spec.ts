import { type ChildProcess, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT, type TargetServer, createTestCa, startNginx } from '@certctl/testing';
import { deploymentJobs, spawnAgent } from './agent-e2e-support';
import { E2E_DIR, gatewayUrl, readState } from './e2e-env';
import { exitsWithin, waitFor } from './http';
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

/**
 * The proof at scale: 1,000 certificates from one intermediate, five of them deployed by
 * the shipped agent to real NGINX servers; one campaign replaces them all from a new issuer and
 * revokes the old versions (keyCompromise) while inventory, issuance, revocation and the
 * scheduler are restarted in the middle. Nothing is lost or doubled; the servers serve the new
 * leaves; the intermediate's CRL and OCSP answer revoked. The timings and `certctl capacity`
 * afterwards go to .local/e2e/fleet-reissuance-scale.json (docs/capacity.md quotes them).
 */
const run = Date.now().toString(36);
const N = 1000;
const DEPLOYED = 5;
const OCSP_SAMPLE = 20;
const REAPER_MS = 45000;
const CLI = join(ROOT, 'dist', 'apps', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-fleet-scale-'));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

interface OldVersion {
  certificate_id: string;
  serial_number: string;
  issuer_id: string;
  certificate_pem: string;
}

describe('emergency fleet re-issuance of 1,000 certificates with real deployments and a restart', () => {
  const root = `iss-fsroot-${run}`;
  const mid = `iss-fsmid-${run}`;
  const replacement = `iss-fsnew-${run}`;
  const figures: Record<string, unknown> = { run, certificates: N, machine: { cpus: cpus().length } };
  const servers: TargetServer[] = [];
  let db: Client;
  let agent: ChildProcess | undefined;
  let plain: string[] = [];
  const deployed: { certificateId: string; server: TargetServer }[] = [];
  let old: Map<string, OldVersion>;
  let campaignId: string;
  let schedulerShortened = false;

  const sql = async <T extends object>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;
  const all = () => [...plain, ...deployed.map((d) => d.certificateId)];
  const agentLog = () => readFileSync(join(dir, 'agent.log'), 'utf8').slice(-3000);

  /** The leaf the server hands out, as openssl s_client receives it. */
  const servedSerial = (port: number) => {
    const out = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'], {
      input: '',
      encoding: 'utf8',
      timeout: 15000,
    }).stdout;
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0];
    return pem ? new X509Certificate(pem).serialNumber : `no certificate from s_client: ${out.slice(0, 300)}`;
  };

  /** Five NGINX servers, one agent deploying to all of them, and a certificate from the intermediate bound to each. */
  async function deployedFleet() {
    const profile = await call('POST', '/api/v1/profiles', { name: `fs-${run}-profile`, key_generation: 'agent', max_validity_days: 90 });
    expect(profile.status).toBe(201);
    const reg = await call('POST', '/api/v1/agents', { name: `fs-${run}-agent`, hostname: 'e2e-host' });
    expect(reg.status).toBe(201);
    const ca = createTestCa();
    try {
      for (let i = 0; i < DEPLOYED; i++) {
        const leaf = ca.leaf(`initial-${i}`);
        servers.push(await startNginx({ certPem: `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`, keyPem: leaf.privateKeyPem }));
      }
    } finally {
      ca.remove();
    }
    for (const [i, server] of servers.entries()) {
      const target = await call('POST', '/api/v1/targets', {
        name: `fs-${run}-nginx-${i}`,
        type: 'nginx',
        agent_id: reg.body.agent.id,
        config: server.targetConfig,
      });
      expect(target.status).toBe(201);
      const name = `fs${run}d-${i}`;
      const created = await call('POST', '/api/v1/certificates', {
        name,
        common_name: `${name}.example.com`,
        sans: [`${name}.example.com`],
        issuer_id: mid,
        owner_id: 'o-alice',
        team_id: 't-platform',
        renewal_policy_id: 'rp-standard',
        profile_id: profile.body.id,
        agent_id: reg.body.agent.id,
        target_ids: [target.body.id],
      });
      expect(created.status).toBe(201);
      deployed.push({ certificateId: created.body.id, server });
    }
    mkdirSync(join(dir, 'keys'), { mode: 0o700 });
    agent = spawnAgent(dir, reg.body.agent.id, reg.body.api_key);
  }

  /** The certificate's `count`-th deployment job once it finished. */
  const finishedDeployment = (certificateId: string, count: number) =>
    waitFor(
      async () => {
        const job = (await deploymentJobs(db, certificateId))[count - 1];
        return job && ['completed', 'failed'].includes(job.status) ? job : undefined;
      },
      180000,
      `deployment ${count} of ${certificateId}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; agent log: ${agentLog()}`);
    });

  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    await issuer(root, undefined, 1);
    await issuer(mid, root, 0);
    await issuer(replacement, root, 0);
  }, 120000);

  afterAll(async () => {
    if (agent?.pid && agent.exitCode === null) {
      agent.kill('SIGTERM');
      if (!(await exitsWithin(agent.pid, 10000))) agent.kill('SIGKILL');
    }
    for (const server of servers) await server.stop();
    // The suites after this one get the stack's own reaper timeout back.
    if (schedulerShortened) await restartService('scheduler');
    writeFileSync(join(E2E_DIR, 'fleet-reissuance-scale.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`[fleet-reissuance-scale] ${JSON.stringify(figures)}`);
    await db.end();
    rmSync(dir, { recursive: true, force: true });
  }, 120000);

  it('ok/1,000 certificates from the intermediate are issued, five of them deployed by the agent to real NGINX servers', async () => {
    const t0 = Date.now();
    await deployedFleet();
    plain = await createCertificates(`fs${run}p`, N - DEPLOYED, mid, 8);
    figures.create_seconds = seconds(Date.now() - t0);
    const active = await waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM certificates WHERE id = ANY($1::text[]) AND status = 'active' AND current_version_id IS NOT NULL`,
          [all()],
        );
        return row!.n === N ? Date.now() : undefined;
      },
      600000,
      `${N} certificates active`,
    );
    figures.first_issuance_seconds = seconds(active - t0);
    figures.first_issuance_per_second = Math.round((N / ((active - t0) / 1000)) * 100) / 100;

    const rows = await sql<OldVersion>(
      `SELECT c.id AS certificate_id, v.serial_number, v.issuer_id, v.certificate_pem
       FROM certificates c JOIN certificate_versions v ON v.id = c.current_version_id WHERE c.id = ANY($1::text[])`,
      [all()],
    );
    old = new Map(rows.map((r) => [r.certificate_id, r]));
    expect(old.size).toBe(N);
    expect(new Set(rows.map((r) => r.issuer_id))).toEqual(new Set([mid]));
    for (const { certificateId, server } of deployed) {
      const job = await finishedDeployment(certificateId, 1);
      expect({ status: job.status, error: job.last_error }).toEqual({ status: 'completed', error: null });
      expect(servedSerial(server.port)).toBe(new X509Certificate(old.get(certificateId)!.certificate_pem).serialNumber);
    }
  }, 900000);

  it('ok/one campaign replaces all 1,000 from the new issuer through a restart of four services, and revokes the old versions', async () => {
    const t0 = Date.now();
    const created = await startCampaign(mid, replacement, { rate_per_minute: 60000 });
    expect(created.progress.total).toBe(N);
    campaignId = created.id;
    const progress = () => campaignOf(campaignId);

    // The restart lands in the middle: some done, most not.
    const middle = await waitFor(
      async () => {
        const c = await progress();
        return c.progress.done >= 50 ? c.progress : undefined;
      },
      300000,
      '50 items done',
    );
    expect(middle.remaining).toBeGreaterThan(0);
    figures.restart_at = { seconds: seconds(Date.now() - t0), done: middle.done, in_progress: middle.in_progress };
    const restartStart = Date.now();
    for (const service of ['inventory', 'issuance', 'revocation'] as const) await restartService(service);
    // An agent's claim of a deployment whose answer was lost while inventory stopped stays
    // `running` until the job reaper puts it back (CERTCTL_JOB_RUNNING_TIMEOUT_MS, 30 min by
    // default): shortened here so the lost claim is redelivered within the test.
    await restartService('scheduler', { CERTCTL_JOB_RUNNING_TIMEOUT_MS: String(REAPER_MS) });
    schedulerShortened = true;
    figures.restart_seconds = seconds(Date.now() - restartStart);

    const finished = await campaignCompleted(campaignId, 900000);
    const elapsed = Date.now() - t0;
    figures.campaign_seconds = seconds(elapsed);
    figures.campaign_per_second = Math.round((N / (elapsed / 1000)) * 100) / 100;
    // The same without the minutes the four services spent stopping and starting again.
    const working = elapsed - (figures.restart_seconds as number) * 1000;
    figures.campaign_per_second_without_restart = Math.round((N / (working / 1000)) * 100) / 100;
    figures.machine = { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 10) / 10) };
    expect(finished.progress).toMatchObject({ total: N, done: N, failed: 0, cancelled: 0, remaining: 0 });

    // Nothing lost, nothing doubled: one item, one renewal job, one new version, one revocation per certificate.
    const [counts] = await sql<Record<string, number>>(
      `SELECT
         (SELECT count(*)::int FROM reissuance_items WHERE campaign_id = $2) AS items,
         (SELECT count(DISTINCT certificate_id)::int FROM reissuance_items WHERE campaign_id = $2) AS item_certs,
         (SELECT count(*)::int FROM reissuance_items WHERE campaign_id = $2 AND attempt = 0 AND status = 'done') AS first_attempt_done,
         (SELECT count(*)::int FROM jobs WHERE certificate_id = ANY($1::text[]) AND type = 'renewal') AS renewal_jobs,
         (SELECT count(DISTINCT certificate_id)::int FROM jobs WHERE certificate_id = ANY($1::text[]) AND type = 'renewal') AS renewed_certs,
         (SELECT count(*)::int FROM certificate_versions WHERE certificate_id = ANY($1::text[])) AS versions,
         (SELECT count(*)::int FROM certificate_versions WHERE certificate_id = ANY($1::text[]) AND issuer_id = $3) AS new_versions,
         (SELECT count(*)::int FROM certificates c JOIN certificate_versions v ON v.id = c.current_version_id
            WHERE c.id = ANY($1::text[]) AND c.status = 'active' AND c.issuer_id = $3 AND v.issuer_id = $3) AS current_new,
         (SELECT count(*)::int FROM revocations WHERE certificate_id = ANY($1::text[])) AS revocations,
         (SELECT count(*)::int FROM revocations WHERE certificate_id = ANY($1::text[]) AND issuer_id = $4 AND reason = 'keyCompromise'
            AND serial_number = ANY($5::text[])) AS old_revoked`,
      [all(), campaignId, replacement, mid, [...old.values()].map((o) => o.serial_number)],
    );
    expect(counts).toEqual({
      items: N,
      item_certs: N,
      first_attempt_done: N,
      renewal_jobs: N,
      renewed_certs: N,
      versions: 2 * N,
      new_versions: N,
      current_new: N,
      revocations: N,
      old_revoked: N,
    });
  }, 1500000);

  it('ok/the agent redeployed each replacement and the NGINX servers serve the new serial to openssl s_client', async () => {
    for (const { certificateId, server } of deployed) {
      const jobs = await deploymentJobs(db, certificateId);
      expect(jobs.map((j) => j.status)).toEqual(['completed', 'completed']);
      const [current] = await sql<{ id: string; certificate_pem: string }>(
        `SELECT v.id, v.certificate_pem FROM certificates c JOIN certificate_versions v ON v.id = c.current_version_id WHERE c.id = $1`,
        [certificateId],
      );
      const fresh = new X509Certificate(current!.certificate_pem);
      expect(jobs[1]!.result).toMatchObject({
        version_id: current!.id,
        verification: { ok: true, served_fingerprint: fresh.fingerprint256.replace(/:/g, '').toLowerCase() },
        rolled_back: false,
      });
      expect(fresh.serialNumber).not.toBe(new X509Certificate(old.get(certificateId)!.certificate_pem).serialNumber);
      expect(
        await waitFor(
          async () => (servedSerial(server.port) === fresh.serialNumber ? fresh.serialNumber : undefined),
          15000,
          'the new leaf served',
        ).catch(() => servedSerial(server.port)),
      ).toBe(fresh.serialNumber);
    }
  }, 300000);

  it('ok/every old serial is on the intermediate’s CRL (openssl crl) and openssl ocsp answers revoked (keyCompromise)', async () => {
    const versions = [...old.values()];
    const text = await crlListing(
      dir,
      mid,
      versions.map((v) => v.serial_number),
      120000,
    );
    expect(text).toContain('Key Compromise');
    const sample = [
      ...plain.slice(0, OCSP_SAMPLE).map((id) => old.get(id)!.certificate_pem),
      ...deployed.map((d) => old.get(d.certificateId)!.certificate_pem),
    ];
    const rootPem = (await call('GET', `/api/v1/issuers/${root}`)).body.ca_certificate_pem;
    const midPem = (await call('GET', `/api/v1/issuers/${mid}`)).body.ca_certificate_pem;
    // The responder answers at most 16 certificates per request (OCSP_MAX_CERTS_PER_REQUEST): ask in tens.
    let revoked = 0;
    for (let start = 0; start < sample.length; start += 10) {
      const { out, files } = await ocspQuery(dir, mid, sample.slice(start, start + 10), `${midPem}\n${rootPem}`);
      expect(out).toContain('Response verify OK');
      expect(out.match(/Reason: keyCompromise/g)).toHaveLength(files.length);
      revoked += files.filter((p) => out.includes(`${p}: revoked`)).length;
    }
    expect(revoked).toBe(OCSP_SAMPLE + DEPLOYED);
  }, 300000);

  it('ok/certctl capacity after the load reports a measured issuance rate and plans the 1,000', async () => {
    const certctl = (format: string) =>
      spawnSync(process.execPath, [CLI, 'capacity', '--reissue', String(N), '--format', format], {
        env: { PATH: process.env.PATH ?? '', CERTCTL_SERVER_URL: gatewayUrl(), CERTCTL_API_KEY: readState().adminKey },
        encoding: 'utf8',
        timeout: 60000,
      });
    const cli = certctl('json');
    expect({ code: cli.status, stderr: cli.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const plan = JSON.parse(cli.stdout);
    figures.capacity = plan;
    figures.capacity_table = certctl('table').stdout;
    expect(plan.capacity.source).toBe('measured');
    expect(plan.capacity.issuances_per_second).toBeGreaterThan(0);
    expect(plan.mass_reissuance).toMatchObject({ certificates: N, hours_at_full_capacity: expect.any(Number) });
  }, 120000);
});
