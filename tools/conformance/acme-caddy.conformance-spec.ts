// Caddy (Debian's package, its own systemd service not used) with this platform as its acme_ca:
// it obtains certificates through http-01 and through tls-alpn-01 on loopback ports and serves
// them; the served chain verifies against the local CA; on a five-minute profile it renews by
// itself and serves the new certificate.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acmeBase, directoryUrl, opensslVerify } from '../../apps/platform-e2e/src/acme-support';
import { readState } from '../../apps/platform-e2e/src/e2e-env';
import { api, waitFor } from '../../apps/platform-e2e/src/http';
import { ensureAcmeTools } from './acme-tools';

const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-caddy-'));
beforeAll(() => ensureAcmeTools('caddy')); // Debian's caddy, installed once
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The chain a TLS server at 127.0.0.1:<port> presents for <name> (openssl s_client -showcerts). */
function servedChain(port: number, name: string): string {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', name, '-showcerts'], {
    input: '',
    encoding: 'utf8',
    timeout: 10000,
  });
  return (r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).join('\n');
}

/** The first certificate of a served chain. */
function leafOf(chain: string): X509Certificate {
  return new X509Certificate(chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 25));
}

interface CaddyRun {
  name: string;
  log: () => string;
  stop: () => Promise<void>;
  exitCode: () => number | null;
}

/** `caddy run` for one site name with the platform as its ACME CA; stop() ends it by its PID. */
function startCaddy(label: string, options: { directory: string; disable: string; renewInterval?: string }): CaddyRun {
  const { acme } = readState();
  const name = `caddy-${label}-${run}.example.test`;
  const home = join(dir, label);
  const caddyfile = join(dir, `Caddyfile-${label}`);
  writeFileSync(
    caddyfile,
    `{
  admin off
  skip_install_trust
  http_port ${acme.http01Port}
  https_port ${acme.tlsAlpn01Port}
  storage file_system ${home}
  acme_ca ${options.directory}
  acme_ca_root ${acmeBase().caFile}
  email e2e@example.com
${options.renewInterval ? `  renew_interval ${options.renewInterval}\n` : ''}}
${name} {
  bind 127.0.0.1
  tls {
    issuer acme {
      ${options.disable}
    }
  }
  respond "hello from caddy"
}
`,
  );
  const caddy: ChildProcess = spawn('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  caddy.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((r) => caddy.once('exit', () => r()));
  return {
    name,
    log: () => log,
    exitCode: () => caddy.exitCode,
    stop: async () => {
      caddy.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until Caddy serves a chain for its name that verifies against the local CA (and passes `accept`). */
function servedVerifiedChain(caddy: CaddyRun, timeoutMs: number, accept: (chain: string) => boolean = () => true): Promise<string> {
  return waitFor(
    async () => {
      if (caddy.exitCode() !== null) throw new Error(`caddy exited: ${caddy.log()}`);
      const chain = servedChain(readState().acme.tlsAlpn01Port, caddy.name);
      if (!chain.includes('BEGIN CERTIFICATE') || !accept(chain)) return undefined;
      return (await opensslVerify(chain).catch(() => '')).includes(': OK') ? chain : undefined;
    },
    timeoutMs,
    `Caddy to serve a certificate for ${caddy.name}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; Caddy's last log lines:\n${caddy.log().trim().split('\n').slice(-8).join('\n')}`);
  });
}

function ordersFor(name: string): Promise<{ status: string; serial_number: string | null }[]> {
  return api('GET', '/api/v1/acme/orders?limit=500').then((r) =>
    r.body.data.filter((o: { identifiers: { value: string }[] }) => o.identifiers.some((i) => i.value === name)),
  );
}

describe('Caddy with the platform as acme_ca', () => {
  it.each([
    ['http-01', 'disable_tlsalpn_challenge'],
    ['tls-alpn-01', 'disable_http_challenge'],
  ])('ok/%s: Caddy obtains a certificate and serves it; the chain verifies against the local CA', async (challenge, disable) => {
    const caddy = startCaddy(challenge, { directory: directoryUrl(), disable });
    try {
      const chain = await servedVerifiedChain(caddy, 90000);
      expect(await opensslVerify(chain)).toContain(': OK');
      expect(caddy.log()).toContain(challenge === 'http-01' ? '"challenge_type":"http-01"' : '"challenge_type":"tls-alpn-01"');
      expect((await ordersFor(caddy.name)).map((o) => o.status)).toContain('valid');
    } finally {
      await caddy.stop();
    }
  });

  it('ok/renewal: on a five-minute profile Caddy renews before expiry by itself and serves the new certificate', async () => {
    const profileId = `prof-caddy-5m-${run}`;
    const profile = await api('POST', '/api/v1/profiles', {
      body: { id: profileId, name: `caddy five minutes ${run}`, max_validity_seconds: 300, allow_internal_names: true }, // .test names
    });
    expect(profile.status).toBe(201);
    const caddy = startCaddy('renewal', { directory: directoryUrl(profileId), disable: 'disable_tlsalpn_challenge', renewInterval: '10s' });
    try {
      const first = await servedVerifiedChain(caddy, 90000);
      const firstLeaf = leafOf(first);
      const life = new Date(firstLeaf.validTo).getTime() - new Date(firstLeaf.validFrom).getTime();
      expect(life).toBeLessThanOrEqual(300000);
      // Caddy renews once a third of the lifetime is left (Caddy 2.6: no ARI), then serves the new leaf.
      const second = await servedVerifiedChain(caddy, 280000, (chain) => leafOf(chain).serialNumber !== firstLeaf.serialNumber);
      const secondLeaf = leafOf(second);
      expect(new Date(secondLeaf.validTo).getTime()).toBeGreaterThan(new Date(firstLeaf.validTo).getTime());
      const valid = (await ordersFor(caddy.name)).filter((o) => o.status === 'valid');
      expect(valid.length).toBeGreaterThanOrEqual(2);
      expect(caddy.log()).toMatch(/renew/i);
    } finally {
      await caddy.stop();
    }
  });
});
