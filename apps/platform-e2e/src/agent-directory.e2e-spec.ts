import { type ChildProcess, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AGENT_BUNDLE,
  activeCertificatePem,
  agentDeploymentSetup,
  deploymentJobsOverApi,
  jobOverApi,
  spawnAgent,
} from './agent-e2e-support';
import { api, exitsWithin, expectProblem, waitFor, within } from './http';

/**
 * The certctl-agent daemon as a real child process (dist/certctl-agent.js, the bundle that ships) against the e2e
 * stack: agent-side keys, deployment to a directory target, renewal, kill -9 mid-deployment, the post-deployment
 * verification as GET /api/v1/jobs/{id} shows it (passed, and failed with a rollback), and retirement through the API.
 */
const run = Date.now().toString(36);
const root = mkdtempSync(join(tmpdir(), 'certctl-agent-e2e-'));
const keyDir = join(root, 'keys');
const stateDir = join(root, 'state');
const outDir = join(root, 'tls');
const logFile = join(root, 'agent.log');
let child: ChildProcess | undefined;

function startAgent(agentId: string, apiKey: string): ChildProcess {
  child = spawnAgent(root, agentId, apiKey);
  return child;
}

async function stopAgent(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return;
  child.kill(signal);
  expect(await exitsWithin(child.pid, 10000)).toBe(true);
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** The files in the directory as one unit: the cert's public key must be the key file's. */
function deployedPair(): { certificatePem: string; matches: boolean } {
  const certificatePem = readFileSync(join(outDir, 'cert.pem'), 'utf8');
  const fromCert = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  const fromKey = createPublicKey(createPrivateKey(readFileSync(join(outDir, 'key.pem'), 'utf8'))).export({ type: 'spki', format: 'der' });
  return { certificatePem, matches: Buffer.compare(fromCert, fromKey) === 0 };
}

describe('certctl-agent with a directory target', () => {
  beforeAll(() => {
    mkdirSync(keyDir, { mode: 0o700 });
  });
  afterAll(async () => {
    await stopAgent('SIGKILL').catch(() => undefined);
  });

  it('a bad configuration exits 2 with one line per problem', () => {
    const result = spawnSync(process.execPath, [AGENT_BUNDLE], {
      env: {
        PATH: process.env.PATH,
        CERTCTL_SERVER_URL: 'http://127.0.0.1:1',
        CERTCTL_AGENT_POLL_INTERVAL: 'often',
        CERTCTL_AGENT_KEY_DIR: 'keys',
      },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n').sort()).toEqual(
      [
        'invalid configuration: poll_interval (CERTCTL_AGENT_POLL_INTERVAL): must be a number of seconds (e.g. 30, 30s, 5m)',
        'invalid configuration: key_dir (CERTCTL_AGENT_KEY_DIR): must be an absolute path',
        'invalid configuration: server_url (CERTCTL_SERVER_URL): must use https (set CERTCTL_AGENT_ALLOW_HTTP=true to allow http)',
      ].sort(),
    );
  });

  it('issues with a key made by the agent, deploys it, deploys the renewal, and survives kill -9 mid-deployment', async () => {
    const setup = await agentDeploymentSetup({
      name: `agentdir-${run}`,
      type: 'directory',
      config: { directory: outDir, fullchain_file: 'fullchain.pem', reload_command: ['true'] },
    });
    const { agentId, apiKey, targetId, certificateId: certId } = setup;

    startAgent(agentId, apiKey);
    const first = await activeCertificatePem(certId);
    const firstJob = await waitFor(
      async () => (await deploymentJobsOverApi(certId)).find((job) => job.status === 'completed'),
      60000,
      'the first deployment job to complete',
    );
    // The key was generated here: 0600 in the key dir, named by its public key; the server never had it.
    const keyFiles = readdirSync(keyDir);
    expect(keyFiles).toHaveLength(1);
    expect(statSync(join(keyDir, keyFiles[0])).mode & 0o777).toBe(0o600);
    expect(statSync(keyDir).mode & 0o777).toBe(0o700);
    expectProblem(await api('GET', `/api/v1/certificates/${certId}/private-key?format=pem`), 404);
    expect(deployedPair()).toEqual({ certificatePem: first, matches: true });
    expect(readFileSync(join(outDir, 'key.pem'), 'utf8')).toBe(readFileSync(join(keyDir, keyFiles[0]), 'utf8'));
    expect(readFileSync(join(outDir, 'fullchain.pem'), 'utf8').startsWith(first.trim())).toBe(true);
    expect(statSync(join(outDir, 'key.pem')).mode & 0o777).toBe(0o600);
    // The agent's report, as GET /api/v1/jobs/{id} shows it: no verification asked for this target.
    const current = (await api('GET', `/api/v1/certificates/${certId}`)).body.current_version;
    expect((await jobOverApi(firstJob.id)).result).toEqual({
      version_id: current.id,
      target_id: targetId,
      files: [join(outDir, 'cert.pem'), join(outDir, 'key.pem'), join(outDir, 'fullchain.pem')],
      verification: null,
      rolled_back: false,
      failed_step: null,
    });
    const online = await api('GET', `/api/v1/agents/${agentId}`);
    expect(online.body).toMatchObject({ status: 'online', version: '0.1.0', architecture: process.arch });

    // A renewal: a new key and CSR from the agent, then the new version deployed.
    expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
    const second = await activeCertificatePem(certId, first);
    await waitFor(
      async () => ((await deploymentJobsOverApi(certId)).filter((job) => job.status === 'completed').length === 2 ? true : undefined),
      60000,
      'the renewal to be deployed',
    );
    expect(deployedPair()).toEqual({ certificatePem: second, matches: true });
    expect(readdirSync(keyDir)).toHaveLength(2);

    // kill -9 while the reload command runs: the files are all new (never mixed), and the restart finishes the job.
    expect(
      (
        await api('PATCH', `/api/v1/targets/${targetId}`, {
          body: { config: { directory: outDir, fullchain_file: 'fullchain.pem', reload_command: ['sleep', '4'] } },
        })
      ).status,
    ).toBe(200);
    expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
    const third = await activeCertificatePem(certId, second);
    const running = await waitFor(
      async () => {
        const job = (await deploymentJobsOverApi(certId)).find((row) => row.status === 'running');
        const started = job && new RegExp(`"job_id":"${job.id}".*"msg":"deploying"`).test(readFileSync(logFile, 'utf8'));
        return started ? job : undefined;
      },
      60000,
      'the third deployment to start on the agent',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stopAgent('SIGKILL');
    const afterKill = deployedPair();
    expect(afterKill.matches).toBe(true);
    expect([first, second, third].map(fingerprint)).toContain(fingerprint(afterKill.certificatePem));
    expect((await deploymentJobsOverApi(certId)).find((job) => job.id === running.id)?.status).toBe('running');
    expect(existsSync(join(stateDir, 'jobs.json'))).toBe(true);

    startAgent(agentId, apiKey);
    const finished = await waitFor(
      async () => (await deploymentJobsOverApi(certId)).find((job) => job.id === running.id && job.status === 'completed'),
      60000,
      'the interrupted deployment to complete after the restart',
    );
    expect(finished.result).toMatchObject({ target_id: targetId, rolled_back: false, verification: null });
    expect(deployedPair()).toEqual({ certificatePem: third, matches: true });
    expect(readdirSync(outDir).filter((file) => file.includes('.certctl-new'))).toEqual([]);
    await stopAgent();
  }, 300_000);

  it('verifies the served certificate after deploying it; a server still serving the old one fails the job, rolled back; all shown by GET /api/v1/jobs/{id}; retiring the agent stops it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'certctl-agent-verify-e2e-'));
    mkdirSync(join(home, 'keys'), { mode: 0o700 });
    const dir = join(home, 'tls');
    const server = await startServingDirectory(dir);
    let agent: ChildProcess | undefined;
    try {
      const address = `127.0.0.1:${server.port}`;
      const { agentId, apiKey, targetId, certificateId } = await agentDeploymentSetup({
        name: `agentverify-${run}`,
        type: 'directory',
        config: { directory: dir, reload_command: ['true'], verify: { host: '127.0.0.1', port: server.port } },
      });
      agent = spawnAgent(home, agentId, apiKey);
      const exited = new Promise<number | null>((resolve) => agent!.once('exit', (code) => resolve(code)));

      // 1. Deployed and verified: the served leaf is the new version's, as the job shows it over the API.
      const firstPem = await activeCertificatePem(certificateId);
      const listed = await waitFor(
        async () => (await deploymentJobsOverApi(certificateId)).find((job) => ['completed', 'failed'].includes(job.status)),
        60000,
        'the verified deployment to finish',
      );
      const first = (await api('GET', `/api/v1/certificates/${certificateId}`)).body.current_version;
      expect(first.fingerprint_sha256).toBe(hexFingerprint(firstPem));
      const verified = await jobOverApi(listed.id);
      expect({ status: verified.status, last_error: verified.last_error }).toEqual({ status: 'completed', last_error: null });
      expect(verified.result).toEqual({
        version_id: first.id,
        target_id: targetId,
        files: [join(dir, 'cert.pem'), join(dir, 'key.pem')],
        verification: { ok: true, served_fingerprint: first.fingerprint_sha256, address, verified_at: expect.any(String), error: null },
        rolled_back: false,
        failed_step: null,
      });
      const verifiedAt = Date.parse(verified.result!.verification!.verified_at);
      expect(verifiedAt).toBeGreaterThanOrEqual(Date.parse(verified.created_at));
      expect(verifiedAt).toBeLessThanOrEqual(Date.parse(verified.completed_at!));
      expect(listed.result).toEqual(verified.result); // the list shows the same result

      // 2. The server keeps the old certificate (it never reloads): the renewal's check fails, the files are rolled back.
      server.pin();
      expect((await api('POST', `/api/v1/certificates/${certificateId}/renew`)).status).toBe(202);
      const secondPem = await activeCertificatePem(certificateId, firstPem);
      const second = hexFingerprint(secondPem);
      const finished = await waitFor(
        async () => {
          const job = (await deploymentJobsOverApi(certificateId))[1];
          return job && ['completed', 'failed'].includes(job.status) ? job : undefined;
        },
        60000,
        'the unverifiable deployment to finish',
      );
      const refused = await jobOverApi(finished.id);
      const error = `${address} serves ${first.fingerprint_sha256}, not the deployed ${second}`;
      expect({ status: refused.status, last_error: refused.last_error }).toEqual({ status: 'failed', last_error: error });
      expect(refused.result).toEqual({
        version_id: expect.any(String),
        target_id: targetId,
        files: [join(dir, 'cert.pem'), join(dir, 'key.pem')],
        verification: { ok: false, served_fingerprint: first.fingerprint_sha256, address, verified_at: expect.any(String), error },
        rolled_back: true,
        failed_step: 'verify',
      });
      expect(refused.result!.version_id).not.toBe(first.id);
      expect(readFileSync(join(dir, 'cert.pem'), 'utf8').trim()).toBe(firstPem.trim());

      // 3. Retired through the API: the running agent learns it on its next call and exits 0 saying so.
      expect((await api('POST', `/api/v1/agents/${agentId}/retire`)).status).toBe(200);
      const code = await within(exited, 20000, 'still running');
      expect(code).toBe(0);
      expect(readFileSync(join(home, 'agent.log'), 'utf8')).toMatch(/the server retired this agent/);
    } finally {
      if (agent?.pid && agent.exitCode === null) agent.kill('SIGKILL');
      await server.close();
    }
  }, 240_000);
});

const hexFingerprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/**
 * A TLS server on 127.0.0.1 serving the directory's cert.pem and key.pem as they are at each
 * handshake (a server that reloads), until `pin()`: from then on the pair it had (one that never does).
 */
async function startServingDirectory(dir: string) {
  let pinned: { cert: string; key: string } | undefined;
  const current = () => pinned ?? { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  const server = createTcpServer((socket) => {
    socket.on('error', () => socket.destroy());
    try {
      const tls = new TLSSocket(socket, { isServer: true, secureContext: createSecureContext(current()) });
      tls.on('error', () => socket.destroy());
    } catch {
      socket.destroy(); // nothing deployed yet
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    pin: () => {
      pinned = current();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
