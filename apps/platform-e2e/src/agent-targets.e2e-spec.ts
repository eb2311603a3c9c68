import { type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handshakeLoop, unexpectedReloadFailures } from '@certctl/testing';
import { activeCertificatePem, agentDeploymentSetup, deploymentJobsOverApi, spawnAgent } from './agent-e2e-support';
import { AGENT_TARGET_CASES, type AgentTargetCase, type AgentTargetFixture } from './agent-target-fixtures';
import { api, exitsWithin, waitFor } from './http';

/**
 * One target of every type the agent deploys to, through the whole platform: the real server
 * (libs/testing fixtures), a target created over the API, a certificate whose key the agent
 * generates, the shipped agent bundle as a child process; the platform's network scan finds the
 * deployed leaf on the server's TLS port (not Caddy: it answers only the names it serves, and a
 * scan of an address sends none; not the keystore, which serves nothing); then a renewal deployed
 * while the test keeps handshaking (STARTTLS on the mail servers' ports) without a failed
 * handshake, and a renewal the server's broken configuration refuses (rolled back).
 */
const run = Date.now().toString(36);
const WAIT_MS = 120_000;

const hexFingerprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/** A network scan of 127.0.0.1:`port` through the scheduler: the fingerprint of the leaf it records. */
async function scannedLeaf(port: number, name: string): Promise<string> {
  const created = await api('POST', '/api/v1/network-scan-targets', {
    body: { name: `scan-${name}`, cidrs: ['127.0.0.1/32'], ports: [port], interval_seconds: 3600, timeout_ms: 3000 },
  });
  expect(created.status).toBe(201);
  expect((await api('POST', `/api/v1/network-scan-targets/${created.body.id}/run`)).status).toBe(202);
  const leaf = await waitFor(
    async () => {
      const listed = await api(
        'GET',
        `/api/v1/discovered-certificates?source=network&q=${encodeURIComponent(`127.0.0.1:${port}`)}&limit=50`,
      );
      return (listed.body.data as any[]).find((row) => row.source_id === created.body.id && !row.is_ca);
    },
    60000,
    `the network scan to record the server on port ${port}`,
  );
  expect(leaf.location).toBe(`127.0.0.1:${port}`);
  expect(await api('DELETE', `/api/v1/network-scan-targets/${created.body.id}`)).toMatchObject({ status: 204 });
  return leaf.fingerprint_sha256 as string;
}

describe.each(AGENT_TARGET_CASES.map((testCase) => [testCase.type, testCase] as [string, AgentTargetCase]))(
  'certctl-agent deploys to a %s target through the platform',
  (type, testCase) => {
    let fixture: AgentTargetFixture | undefined;
    let agent: ChildProcess | undefined;
    const root = mkdtempSync(join(tmpdir(), `certctl-agent-${type}-e2e-`));
    const agentLog = () => readFileSync(join(root, 'agent.log'), 'utf8').slice(-3000);

    beforeAll(() => {
      mkdirSync(join(root, 'keys'), { mode: 0o700 });
    });
    afterAll(async () => {
      if (agent?.pid && agent.exitCode === null) {
        agent.kill('SIGTERM');
        if (!(await exitsWithin(agent.pid, 10000))) agent.kill('SIGKILL');
      }
      await fixture?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    /** The `count`-th deployment job once it finished (completed or failed), as GET /api/v1/jobs shows it. */
    const finishedJob = (certificateId: string, count: number) =>
      waitFor(
        async () => {
          const jobs = await deploymentJobsOverApi(certificateId);
          const job = jobs[count - 1];
          return job && ['completed', 'failed'].includes(job.status) ? job : undefined;
        },
        WAIT_MS,
        `deployment job ${count} of the ${type} target to finish`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; agent log: ${agentLog()}`);
      });

    /**
     * The server serves `expected`, waiting a little: after a graceful reload a web server's old
     * worker can still answer a connection or two once the agent's own check saw the new leaf.
     */
    const expectServed = async (expected: string) => {
      const served = () => fixture!.served().catch((err: Error) => err.message);
      const seen = await waitFor(
        async () => ((await served()) === expected ? expected : undefined),
        15000,
        `${type} to serve ${expected}`,
      ).catch(() => served());
      expect(seen).toBe(expected);
    };

    it('deploys the issued leaf, deploys its renewal hitlessly, and keeps serving it when the server refuses the next one', async () => {
      fixture = await testCase.start();
      const initial = await fixture.served();

      const {
        agentId,
        apiKey,
        targetId,
        certificateId: certId,
      } = await agentDeploymentSetup({
        name: `agent${type}-${run}`,
        type,
        config: fixture.targetConfig,
      });

      // 1. The first issuance is deployed: the server serves it, the job carries the agreed result.
      agent = spawnAgent(root, agentId, apiKey, fixture.agentEnv);
      const firstPem = await activeCertificatePem(certId, undefined, WAIT_MS);
      const first = hexFingerprint(firstPem);
      const firstJob = await finishedJob(certId, 1);
      expect({ status: firstJob.status, error: firstJob.last_error }).toEqual({ status: 'completed', error: null });
      expect(firstJob.result).toMatchObject({
        target_id: targetId,
        files: expect.arrayContaining([expect.any(String)]),
        verification: { ok: true, served_fingerprint: first },
        rolled_back: false,
      });
      expect(first).not.toBe(initial);
      await expectServed(first);

      // The platform's own network scan of the server's TLS port finds the deployed leaf.
      if (fixture.scanPort) expect(await scannedLeaf(fixture.scanPort, `${type}-${run}`)).toBe(first);

      // 2. A renewal: a new key and CSR from the agent, deployed while the test keeps handshaking.
      const loop = fixture.loopPort ? handshakeLoop(fixture.loopPort, fixture.loopStarttls) : undefined;
      expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
      const secondPem = await activeCertificatePem(certId, firstPem, WAIT_MS);
      const second = hexFingerprint(secondPem);
      const secondJob = await finishedJob(certId, 2);
      const tally = await loop?.stop();
      expect({ status: secondJob.status, error: secondJob.last_error }).toEqual({ status: 'completed', error: null });
      expect(secondJob.result).toMatchObject({ verification: { ok: true, served_fingerprint: second }, rolled_back: false });
      await expectServed(second);
      const secondFiles: string[] = secondJob.result!.files;
      const onDisk = () => secondFiles.map((file) => readFileSync(file).toString('base64'));
      const secondContents = onDisk();
      if (tally) {
        expect(unexpectedReloadFailures(type, tally.failures)).toEqual([]);
        expect(tally.handshakes).toBeGreaterThan(0);
      }

      // 3. The server's own configuration broken: the next renewal fails with its words, rolled back.
      const patched = await fixture.breakIt();
      if (patched) expect((await api('PATCH', `/api/v1/targets/${targetId}`, { body: { config: patched } })).status).toBe(200);
      expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
      await activeCertificatePem(certId, secondPem, WAIT_MS);
      const thirdJob = await finishedJob(certId, 3);
      expect(thirdJob.status).toBe('failed');
      expect(thirdJob.last_error).toMatch(fixture.serverError);
      expect(thirdJob.result).toMatchObject({ target_id: targetId, rolled_back: true, failed_step: fixture.failedStep });
      await expectServed(second);
      expect(onDisk()).toEqual(secondContents); // the previous files are back (local paths; ssh's remote host is this machine)
    }, 420_000);
  },
);
