import { type ChildProcess, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AGENT_BUNDLE, activeCertificatePem, agentDeploymentSetup, deploymentJobs, spawnAgent } from './agent-e2e-support';
import { readState } from './e2e-env';
import { api, exitsWithin, expectProblem, waitFor } from './http';

/**
 * The certctl-agent daemon as a real child process (dist/certctl-agent.js, the bundle that ships) against the e2e
 * stack: agent-side keys, deployment to a directory target, renewal, and kill -9 mid-deployment.
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
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    mkdirSync(keyDir, { mode: 0o700 });
  });
  afterAll(async () => {
    await stopAgent('SIGKILL').catch(() => undefined);
    await db.end();
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
      async () => (await deploymentJobs(db, certId)).find((job) => job.status === 'completed'),
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
    expect(firstJob.result).toEqual({
      version_id: expect.any(String),
      target_id: targetId,
      files: [join(outDir, 'cert.pem'), join(outDir, 'key.pem'), join(outDir, 'fullchain.pem')],
      verification: null,
      rolled_back: false,
    });
    const online = await api('GET', `/api/v1/agents/${agentId}`);
    expect(online.body).toMatchObject({ status: 'online', version: '0.1.0', architecture: process.arch });

    // A renewal: a new key and CSR from the agent, then the new version deployed.
    expect((await api('POST', `/api/v1/certificates/${certId}/renew`)).status).toBe(202);
    const second = await activeCertificatePem(certId, first);
    await waitFor(
      async () => ((await deploymentJobs(db, certId)).filter((job) => job.status === 'completed').length === 2 ? true : undefined),
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
        const job = (await deploymentJobs(db, certId)).find((row) => row.status === 'running');
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
    expect((await deploymentJobs(db, certId)).find((job) => job.id === running.id)?.status).toBe('running');
    expect(existsSync(join(stateDir, 'jobs.json'))).toBe(true);

    startAgent(agentId, apiKey);
    const finished = await waitFor(
      async () => (await deploymentJobs(db, certId)).find((job) => job.id === running.id && job.status === 'completed'),
      60000,
      'the interrupted deployment to complete after the restart',
    );
    expect(finished.result).toMatchObject({ target_id: targetId, rolled_back: false, verification: null });
    expect(deployedPair()).toEqual({ certificatePem: third, matches: true });
    expect(readdirSync(outDir).filter((file) => file.includes('.certctl-new'))).toEqual([]);
    await stopAgent();
  }, 300_000);
});
