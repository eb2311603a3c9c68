// Test-only helpers of the mail, keystore and SSH target fixtures: temp dirs, loopback ports,
// a small two-level test CA issuing P-256 leaves, and stopping a server by its PID.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { waitForPort } from '../infra';
import { OPENSSL_SUB_CA_EXT, opensslCa } from '../openssl-ca';
import { waitFor } from '../wait-for';

/** A temp dir that servers running as other users (postfix, dovenull) can traverse. */
export function mailServerTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `certctl-${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Loopback ports for these fixtures: 23000 + CERTCTL_E2E_PORT_OFFSET/100 + slot (slot 0..9),
 * so checkouts with different offsets never share a port. The range is below Linux's
 * ephemeral range (32768–60999): a port there can be held by any outgoing connection of the
 * machine at the moment the server binds.
 */
export function mailFixturePort(slot: number): number {
  if (slot < 0 || slot > 9) throw new Error('fixture port slots are 0..9');
  const offset = Number(process.env.CERTCTL_E2E_PORT_OFFSET ?? 0);
  return 23000 + Math.floor(offset / 100) + slot;
}

/** Starts a server process in the foreground; its output goes to `logFile` when given. */
export function spawnServer(file: string, args: string[], options: { cwd?: string; logFile?: string } = {}): ChildProcess {
  const output = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', output, output] });
  if (typeof output === 'number') closeSync(output);
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs` when the process is still there. */
export async function stopByPid(pid: number | undefined, graceMs = 5000): Promise<void> {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const gone = await waitFor(async () => !alive(pid), graceMs, `pid ${pid} to exit`, 100).catch(() => false);
  if (!gone && alive(pid)) process.kill(pid, 'SIGKILL');
}

/** What a deployment installs (the agent's DeployMaterial shape), issued by the test CA. */
export interface MailTestLeaf {
  jobId: string;
  certificateId: string;
  versionId: string;
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
  fingerprintSha256: string;
}

export interface MailTestCa {
  dir: string;
  /** A P-256 leaf for `dnsName` signed by the intermediate; `label` names the version. */
  issueLeaf(label: string, dnsName?: string): MailTestLeaf;
}

/** A root and an intermediate made with openssl in `dir`; leaves carry the intermediate as chain. */
export function createMailTestCa(dir: string): MailTestCa {
  opensslCa(dir, 'root', null, 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign');
  opensslCa(dir, 'intermediate', 'root', OPENSSL_SUB_CA_EXT);
  const chainPem = readFileSync(join(dir, 'intermediate.pem'), 'utf8');
  return {
    dir,
    issueLeaf(label, dnsName = 'mail.certctl.test') {
      const ext = `basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${dnsName}`;
      opensslCa(dir, label, 'intermediate', ext, { subject: `/CN=${dnsName}` });
      const certificatePem = readFileSync(join(dir, `${label}.pem`), 'utf8');
      const fingerprintSha256 = new X509Certificate(certificatePem).fingerprint256.replaceAll(':', '').toLowerCase();
      const privateKeyPem = readFileSync(join(dir, `${label}.key`), 'utf8');
      return {
        jobId: `job-${label}`,
        certificateId: 'cert-test',
        versionId: `version-${label}`,
        certificatePem,
        chainPem,
        privateKeyPem,
        fingerprintSha256,
      };
    },
  };
}

/** The last 2 KB of a server's log file for a failure message, or `(none)`. */
export function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '(none)';
  }
}

/** Waits for a server's ports; when they do not open, stops it and fails with its log's tail. */
export async function whenListening(ports: number[], logFile: string, stop: () => Promise<void>): Promise<void> {
  try {
    for (const port of ports) await waitForPort(port, 30000);
  } catch (err) {
    const log = logTail(logFile);
    await stop();
    throw new Error(`${(err as Error).message}; ${basename(logFile)}: ${log}`);
  }
}

/** The leaf followed by its chain (0644) and the key (0600), as a server reads them. */
export function writeLeafFiles(certPath: string, keyPath: string, leaf: MailTestLeaf): void {
  writeFileSync(certPath, `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`, { mode: 0o644 });
  writeFileSync(keyPath, leaf.privateKeyPem, { mode: 0o600 });
}

/** A context for connectors in unit tests (nothing is written under its state directory). */
export const unitTargetContext = { log: { info: () => undefined, warn: () => undefined }, stateDir: '/nonexistent' };

/** A deploy material for unit tests that never reach a server. */
export const unitDeployMaterial: MailTestLeaf = {
  jobId: 'job-1',
  certificateId: 'cert-1',
  versionId: 'version-1',
  certificatePem: 'leaf',
  chainPem: '',
  privateKeyPem: 'key',
  fingerprintSha256: 'ab',
};

/** A silent logger for the connectors' TargetContext. */
export const quietTargetLog = { info: () => undefined, warn: () => undefined };

/**
 * The SHA-256 of the leaf a server presents, from the test's own handshake (`openssl s_client`,
 * with `-starttls smtp|imap` on a plain mail port), independent of the agent's probe.
 */
export function servedFingerprint(port: number, starttls?: 'smtp' | 'imap'): string {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, ...(starttls ? ['-starttls', starttls] : [])];
  const run = spawnSync('openssl', args, { input: '', encoding: 'utf8', timeout: 20000 });
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(run.stdout ?? '');
  if (!pem) throw new Error(`openssl s_client to port ${port} got no certificate: ${(run.stderr ?? '').slice(-500)}`);
  return new X509Certificate(pem[0]).fingerprint256.replaceAll(':', '').toLowerCase();
}
