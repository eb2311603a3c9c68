// Test-only helpers of the target server fixtures (nginx.ts, apache.ts, haproxy.ts, caddy.ts):
// a temporary directory, loopback ports of this checkout's own range, a small test CA issuing
// leaf certificates, and stopping a server by its PID.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../paths';
import { opensslCa } from '../openssl-ca';

/** What every server fixture answers. */
export interface TargetServer<C = Record<string, unknown>> {
  /** The TLS port the server listens on (127.0.0.1). */
  port: number;
  /** The target `config` the agent's connector of this type needs for this server. */
  targetConfig: C;
  /** The server's own temporary directory (config, logs, certificate files). */
  dir: string;
  /** Puts a syntax error in the server's own configuration (its config test then fails). */
  breakConfig(): void;
  stop(): Promise<void>;
}

export interface ServerMaterial {
  certPem: string;
  keyPem: string;
}

export function serverTempDir(kind: string): string {
  return mkdtempSync(join(tmpdir(), `certctl-${kind}-`));
}

const taken = new Set<number>();

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free loopback port from this checkout's range, 20000 + CERTCTL_E2E_PORT_OFFSET/10 (100
 * ports), so engineers sharing a machine with different offsets never race for one; below
 * Linux's ephemeral range (32768–60999), so no outgoing connection takes it between the
 * probe and the server's bind.
 */
export async function reservePort(): Promise<number> {
  const base = 20000 + Math.floor(Number(process.env.CERTCTL_E2E_PORT_OFFSET ?? 0) / 10);
  for (let port = base; port < base + 100; port++) {
    if (taken.has(port)) continue;
    if (await portIsFree(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${base}..${base + 99}`);
}

export function releasePorts(ports: number[]): void {
  for (const port of ports) taken.delete(port);
}

/** Installs the Debian packages of the target servers when `binary` is missing (tools/agent/install-target-servers.sh). */
export function ensureServerBinary(binary: string): void {
  if (existsSync(binary)) return;
  execFileSync('bash', [join(ROOT, 'tools', 'agent', 'install-target-servers.sh')], { stdio: 'inherit' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to `pid`, SIGKILL after `graceMs`, resolved once the process is gone. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The PID a daemon wrote, waiting for the file to appear. */
export async function readPidFile(path: string, timeoutMs = 10000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) return Number(text);
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The start of every fixture: the server's binary (installed when missing), its temporary
 * directory with `files` written in it (mode 0600 unless given), and a port for its TLS listener.
 */
export async function prepareServer(
  kind: string,
  binary: string,
  files: Record<string, { content: string; mode?: number }>,
): Promise<{ dir: string; port: number }> {
  ensureServerBinary(binary);
  const dir = serverTempDir(kind);
  for (const [name, file] of Object.entries(files)) writeFileSync(join(dir, name), file.content, { mode: file.mode ?? 0o600 });
  return { dir, port: await reservePort() };
}

/** `cert.pem` (0644) and `key.pem` (0600), the files most fixtures' configs name. */
export function certificateFiles(material: ServerMaterial): Record<string, { content: string; mode?: number }> {
  return { 'cert.pem': { content: material.certPem, mode: 0o644 }, 'key.pem': { content: material.keyPem } };
}

/** The handle of a started server: breakConfig appends `brokenText` to `configFile`; stop ends `pid`, frees the ports, removes `dir`. */
export function runningServer(options: {
  dir: string;
  port: number;
  pid: number;
  configFile: string;
  brokenText: string;
  targetConfig: Record<string, unknown>;
  extraPorts?: number[];
}): TargetServer {
  return {
    port: options.port,
    dir: options.dir,
    targetConfig: options.targetConfig,
    breakConfig: () => appendFileSync(options.configFile, options.brokenText),
    stop: async () => {
      await stopPid(options.pid);
      releasePorts([options.port, ...(options.extraPorts ?? [])]);
      removeDir(options.dir);
    },
  };
}

export interface TestLeaf {
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
  /** SHA-256 of the leaf's DER, lowercase hex. */
  fingerprintSha256: string;
}

/**
 * A root and an intermediate (openssl), issuing leaves for localhost / 127.0.0.1 with a
 * PKCS#8 P-256 key. `leaf(name)` answers the material a deployment installs.
 */
export function createTestCa(): { dir: string; leaf(name: string): TestLeaf; remove(): void } {
  const dir = serverTempDir('ca');
  opensslCa(dir, 'root', null, 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign');
  opensslCa(dir, 'intermediate', 'root', 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign');
  const chainPem = readFileSync(join(dir, 'intermediate.pem'), 'utf8');
  return {
    dir,
    leaf(name) {
      const leafExt =
        'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1';
      opensslCa(dir, name, 'intermediate', leafExt, { subject: `/CN=localhost/O=${name}` });
      const certificatePem = readFileSync(join(dir, `${name}.pem`), 'utf8');
      const fingerprintSha256 = new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
      return { certificatePem, chainPem, privateKeyPem: readFileSync(join(dir, `${name}.key`), 'utf8'), fingerprintSha256 };
    },
    remove: () => removeDir(dir),
  };
}
