import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT, handshakeLoop } from '@certctl/testing';
import { AGENT_TARGET_CASES, type AgentTargetCase, type AgentTargetFixture } from './agent-target-fixtures';
import { gatewayUrl, readState } from './e2e-env';
import { api, exitsWithin, waitFor } from './http';

/**
 * One target of every type the agent deploys to, through the whole platform: the real server
 * (libs/testing fixtures), a target created over the API, a certificate whose key the agent
 * generates, the shipped agent bundle as a child process; then a renewal deployed without a
 * failed handshake, and a renewal the server's broken configuration refuses (rolled back).
 */
const run = Date.now().toString(36);
const AGENT = join(ROOT, 'dist', 'certctl-agent.js');
const WAIT_MS = 120_000;

const hexFingerprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

interface JobRow {
  id: string;
  status: string;
  result: Record<string, any> | null;
  last_error: string | null;
}

function startAgent(root: string, agentId: string, apiKey: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const log = openSync(join(root, 'agent.log'), 'a');
  return spawn(process.execPath, [AGENT], {
    env: {
      PATH: process.env.PATH,
      HOME: root,
      CERTCTL_SERVER_URL: gatewayUrl(),
      CERTCTL_AGENT_ALLOW_HTTP: 'true',
      CERTCTL_API_KEY: apiKey,
      CERTCTL_AGENT_ID: agentId,
      CERTCTL_AGENT_KEY_DIR: join(root, 'keys'),
      CERTCTL_AGENT_STATE_DIR: join(root, 'state'),
      CERTCTL_AGENT_POLL_INTERVAL: '1',
      CERTCTL_AGENT_HEARTBEAT_INTERVAL: '2',
      ...extraEnv,
    },
    stdio: ['ignore', log, log],
  });
}

describe.each(AGENT_TARGET_CASES.map((testCase) => [testCase.type, testCase] as [string, AgentTargetCase]))(
  'certctl-agent deploys to a %s target through the platform',
  (type, testCase) => {
    let db: Client;
    let fixture: AgentTargetFixture | undefined;
    let agent: ChildProcess | undefined;
    const root = mkdtempSync(join(tmpdir(), `certctl-agent-${type}-e2e-`));
    const agentLog = () => readFileSync(join(root, 'agent.log'), 'utf8').slice(-3000);

    beforeAll(async () => {
      db = new Client({ connectionString: readState().env.DATABASE_URL });
      await db.connect();
      mkdirSync(join(root, 'keys'), { mode: 0o700 });
    });
    afterAll(async () => {
      if (agent?.pid && agent.exitCode === null) {
        agent.kill('SIGTERM');
        if (!(await exitsWithin(agent.pid, 10000))) agent.kill('SIGKILL');
      }
      await fixture?.stop();
      await db.end();
      rmSync(root, { recursive: true, force: true });
    });

    const deploymentJobs = async (certificateId: string): Promise<JobRow[]> =>
      (
        await db.query<JobRow>(
          `SELECT id, status::text AS status, result, last_error FROM jobs WHERE certificate_id = $1 AND type = 'deployment' ORDER BY created_at`,
          [certificateId],
        )
      ).rows;

    /** The active version's certificate, once it differs from `previous`. */
    const activeCertificate = (certificateId: string, previous?: string) =>
      waitFor(
        async () => {
          const cert = await api('GET', `/api/v1/certificates/${certificateId}`);
          const pem: string | null = cert.body.current_version?.certificate_pem ?? cert.body.certificate_pem;
          return cert.body.status === 'active' && pem && hexFingerprint(pem) !== previous ? pem : undefined;
        },
        WAIT_MS,
        `the ${type} certificate to be issued from the agent's CSR`,
      );

    /** The `count`-th deployment job once it finished (completed or failed). */
    const finishedJob = (certificateId: string, count: number) =>
      waitFor(
        async () => {
          const jobs = await deploymentJobs(certificateId);
          const job = jobs[count - 1];
          return job && ['completed', 'failed'].includes(job.status) ? job : undefined;
        },
        WAIT_MS,
        `deployment job ${count} of the ${type} target to finish`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; agent log: ${agentLog()}`);
      });

    it('deploys the issued leaf, deploys its renewal hitlessly, and keeps serving it when the server refuses the next one', async () => {
      fixture = await testCase.start();
      const initial = await fixture.served();

      const profile = await api('POST', '/api/v1/profiles', {
        body: { name: `agent-${type}-${run}`, key_generation: 'agent', max_validity_days: 90 },
      });
      expect(profile.status).toBe(201);
      const reg = await api('POST', '/api/v1/agents', { body: { name: `${type}-agent-${run}`, hostname: `e2e-${type}` } });
      expect(reg.status).toBe(201);
      const { agent: registered, api_key: apiKey } = reg.body as { agent: { id: string }; api_key: string };
      const target = await api('POST', '/api/v1/targets', {
        body: { name: `${type}-${run}`, type, agent_id: registered.id, config: fixture.targetConfig },
      });
      expect(target.status).toBe(201);
      const name = `agent${type}-${run}`;
      const created = await api('POST', '/api/v1/certificates', {
        body: {
          name,
          common_name: `${name}.example.com`,
          sans: [`${name}.example.com`],
          issuer_id: 'iss-local',
          owner_id: 'o-alice',
          team_id: 't-platform',
          renewal_policy_id: 'rp-standard',
          profile_id: profile.body.id,
          agent_id: registered.id,
          target_ids: [target.body.id],
        },
      });
      expect(created.status).toBe(201);
      const certId: string = created.body.id;

      // 1. The first issuance is deployed: the server serves it, the job carries the agreed result.
      agent = startAgent(root, registered.id, apiKey, fixture.agentEnv);
      const first = hexFingerprint(await activeCertificate(certId));
      const firstJob = await finishedJob(certId, 1);
      expect({ status: firstJob.status, error: firstJob.last_error }).toEqual({ status: 'completed', error: null });
      expect(firstJob.result).toMatchObject({
        target_id: target.body.id,
        files: expect.arrayContaining([expect.any(String)]),
        verification: { ok: true, served_fingerprint: first },
        rolled_back: false,
      });
      expect(first).not.toBe(initial);
      expect(await fixture.served()).toBe(first);

      // 2. A renewal: a new key and CSR from the agent, deployed while the test keeps handshaking.
      const loop = fixture.loopPort ? handshakeLoop(fixture.loopPort) : undefined;
      expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
      const second = hexFingerprint(await activeCertificate(certId, first));
      const secondJob = await finishedJob(certId, 2);
      const tally = await loop?.stop();
      expect({ status: secondJob.status, error: secondJob.last_error }).toEqual({ status: 'completed', error: null });
      expect(secondJob.result).toMatchObject({ verification: { ok: true, served_fingerprint: second }, rolled_back: false });
      expect(await fixture.served()).toBe(second);
      if (tally) {
        expect(tally.failures).toEqual([]);
        expect(tally.handshakes).toBeGreaterThan(0);
      }

      // 3. The server's own configuration broken: the next renewal fails with its words, rolled back.
      const patched = await fixture.breakIt();
      if (patched) expect((await api('PATCH', `/api/v1/targets/${target.body.id}`, { body: { config: patched } })).status).toBe(200);
      expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
      await activeCertificate(certId, second);
      const thirdJob = await finishedJob(certId, 3);
      expect(thirdJob.status).toBe('failed');
      expect(thirdJob.last_error).toMatch(fixture.serverError);
      expect(thirdJob.result).toMatchObject({ target_id: target.body.id, rolled_back: true });
      expect(await fixture.served()).toBe(second);
    }, 420_000);
  },
);
