// The independent ACME implementations of the ACME conformance suites (docs/conformance.md):
// their install (tools/conformance/install-acme-clients.sh, once, cached under the data dir),
// Pebble with its challenge test server as child processes on free loopback ports, and what the
// client suites read back from the platform (its ACME orders, the inventory's revocation).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@certctl/testing';
import type { Client } from 'pg';
import { api, waitFor } from '../../apps/platform-e2e/src/http';

export interface AcmeTools {
  /** The folder with pebble, pebble-challtestsrv, lego (the v5 command), lego5-client and xacme-client. */
  bin: string;
  /** Pebble's HTTPS certificate (localhost, 127.0.0.1) and the CA that signed it. */
  pebbleCert: string;
  pebbleKey: string;
  pebbleCa: string;
  /** certbot from PyPI (pinned in install-acme-clients.sh), in its own venv. */
  certbot: string;
}

/** Runs install-acme-clients.sh for these tools (builds nothing when the pinned versions are there). */
export function ensureAcmeTools(...which: Array<'pebble' | 'lego5' | 'lego5cmd' | 'xacme' | 'certbot' | 'caddy'>): AcmeTools {
  const bin = execFileSync('bash', [join(__dirname, 'install-acme-clients.sh'), ...which], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20 * 60_000,
  }).trim();
  if (!bin) throw new Error('install-acme-clients.sh printed no folder');
  const certs = join(bin, '..', 'pebble-certs');
  return {
    bin,
    pebbleCert: join(certs, 'localhost', 'cert.pem'),
    pebbleKey: join(certs, 'localhost', 'key.pem'),
    pebbleCa: join(certs, 'pebble.minica.pem'),
    certbot: join(bin, '..', 'certbot-venv', 'bin', 'certbot'),
  };
}

export interface PlatformOrder {
  id: string;
  status: string;
  replaces: string | null;
  serial_number: string | null;
  certificate_id: string | null;
  /** The challenge types that validated the order's authorizations. */
  challenges: string[];
}

/** The platform's ACME orders for a name, oldest first, with the `replaces` the client sent (RFC 9773 §5). */
export async function platformOrders(db: Client, name: string): Promise<PlatformOrder[]> {
  const r = await db.query<PlatformOrder>(
    `SELECT o.id, o.status, o.replaces, o.serial_number, o.certificate_id,
            ARRAY(SELECT DISTINCT c.type FROM acme_authorizations a JOIN acme_challenges c ON c.authorization_id = a.id
                   WHERE a.order_id = o.id AND c.status = 'valid' ORDER BY c.type) AS challenges
       FROM acme_orders o WHERE o.identifiers::text LIKE $1 ORDER BY o.created_at`,
    [`%"${name}"%`],
  );
  return r.rows;
}

/** A serial number as lowercase hex without leading zeros (clients and the database print it differently). */
export const hexSerial = (serial: string) => serial.toLowerCase().replace(/^0+/, '');

/** Waits until the inventory shows the certificate revoked; returns it. */
export function revokedInInventory(certificateId: string): Promise<{ serial_number: string; status: string }> {
  return waitFor(
    async () => {
      const c = await api('GET', `/api/v1/certificates/${certificateId}`);
      return c.body.status === 'revoked' ? c.body : undefined;
    },
    30000,
    'the inventory certificate to be revoked',
  );
}

/** GET or POST over https trusting one CA file (node's fetch takes no CA); Pebble wants a User-Agent. */
export function httpsRequest(url: string, caFile: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: readFileSync(caFile), headers: { 'user-agent': 'certctl-conformance' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface Pebble {
  /** https://127.0.0.1:<port>/dir */
  directoryUrl: string;
  /** Pebble's management API (https): /roots/0, /intermediates/0, /cert-status-by-serial/<hex>. */
  managementUrl: string;
  /** The port Pebble's VA connects to for http-01 (and tlsPort for tls-alpn-01). */
  httpPort: number;
  tlsPort: number;
  /** pebble-challtestsrv: the DNS server Pebble resolves with, and its management API (set-txt, …). */
  dnsPort: number;
  challengeManagementPort: number;
  caFile: string;
  /** Pebble's root for the certificates it issues (fetched from the management API), as a file. */
  rootFile(): Promise<string>;
  stop(): Promise<void>;
}

function started(child: ChildProcess, name: string): { stop(): Promise<void>; output(): string } {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => `${name}:\n${out}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Starts pebble-challtestsrv (DNS only: every name → 127.0.0.1, TXT records set through its
 * management API) and Pebble resolving through it, with a domain block list for refusals.
 * `vaSleepSeconds` turns on Pebble's asynchronous validation: each challenge is checked after a
 * random 0..n-1 s, as a busy public CA would.
 */
export async function startPebble(
  tools: AcmeTools,
  o: { blocked?: string[]; eabKeys?: Record<string, string>; vaSleepSeconds?: number } = {},
): Promise<Pebble> {
  const [listen, management, httpPort, tlsPort, dnsPort, challengeManagementPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const dir = mkdtempSync(join(tmpdir(), 'certctl-pebble-'));
  const config = join(dir, 'pebble-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: tools.pebbleCert,
        privateKey: tools.pebbleKey,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: o.eabKeys !== undefined,
        externalAccountMACKeys: o.eabKeys ?? {},
        domainBlocklist: o.blocked ?? [],
        retryAfter: { authz: 1, order: 1 },
        keyAlgorithm: 'ecdsa',
        profiles: { default: { description: 'default', validityPeriod: 7776000 } },
      },
    }),
  );
  const challtestsrv = started(
    spawn(
      join(tools.bin, 'pebble-challtestsrv'),
      [
        '-dnsserver',
        `127.0.0.1:${dnsPort}`,
        '-management',
        `127.0.0.1:${challengeManagementPort}`,
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-doh',
        '',
        '-defaultIPv4',
        '127.0.0.1',
        '-defaultIPv6',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
    'pebble-challtestsrv',
  );
  const pebble = started(
    spawn(join(tools.bin, 'pebble'), ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No random nonce rejection, no authorization reuse; no validation delay unless asked.
      env: {
        PATH: process.env.PATH,
        ...(o.vaSleepSeconds ? { PEBBLE_VA_SLEEPTIME: String(o.vaSleepSeconds) } : { PEBBLE_VA_NOSLEEP: '1' }),
        PEBBLE_WFE_NONCEREJECT: '0',
        PEBBLE_AUTHZREUSE: '0',
      },
    }),
    'pebble',
  );
  const stop = async () => {
    await pebble.stop();
    await challtestsrv.stop();
  };
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  const managementUrl = `https://127.0.0.1:${management}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    const dirOk = await httpsRequest(directoryUrl, tools.pebbleCa).then(
      (r) => r.status === 200,
      () => false,
    );
    const dnsOk = await fetch(`http://127.0.0.1:${challengeManagementPort}/clear-txt`, {
      method: 'POST',
      body: JSON.stringify({ host: 'probe.example.' }),
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (dirOk && dnsOk) break;
    if (Date.now() > deadline) {
      const out = `${pebble.output()}\n${challtestsrv.output()}`;
      await stop();
      throw new Error(`Pebble not ready in 30 s\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    directoryUrl,
    managementUrl,
    httpPort,
    tlsPort,
    dnsPort,
    challengeManagementPort,
    caFile: tools.pebbleCa,
    rootFile: async () => {
      const r = await httpsRequest(`${managementUrl}/roots/0`, tools.pebbleCa);
      if (r.status !== 200) throw new Error(`Pebble /roots/0: ${r.status}`);
      const file = join(dir, 'pebble-root.pem');
      writeFileSync(file, r.text);
      return file;
    },
    stop,
  };
}
