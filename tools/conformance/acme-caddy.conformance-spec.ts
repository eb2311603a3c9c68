// Caddy (Debian's package, its own systemd service not used) with this platform as its acme_ca:
// it obtains certificates through http-01 and through tls-alpn-01 on loopback ports and serves
// them; the served chain verifies against the local CA.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

describe('Caddy with the platform as acme_ca', () => {
  it.each([
    ['http-01', 'disable_tlsalpn_challenge'],
    ['tls-alpn-01', 'disable_http_challenge'],
  ])('ok/%s: Caddy obtains a certificate and serves it; the chain verifies against the local CA', async (challenge, disable) => {
    const { acme } = readState();
    const name = `caddy-${challenge}-${run}.example.test`;
    const home = join(dir, challenge);
    const caddyfile = join(dir, `Caddyfile-${challenge}`);
    writeFileSync(
      caddyfile,
      `{
  admin off
  skip_install_trust
  http_port ${acme.http01Port}
  https_port ${acme.tlsAlpn01Port}
  storage file_system ${home}
  acme_ca ${directoryUrl()}
  acme_ca_root ${acmeBase().caFile}
  email e2e@example.com
}
${name} {
  bind 127.0.0.1
  tls {
    issuer acme {
      ${disable}
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
    try {
      const chain = await waitFor(
        async () => {
          if (caddy.exitCode !== null) throw new Error(`caddy exited: ${log}`);
          const c = servedChain(acme.tlsAlpn01Port, name);
          return c.includes('BEGIN CERTIFICATE') && (await opensslVerify(c).catch(() => '')).includes(': OK') ? c : undefined;
        },
        90000,
        `Caddy to serve a certificate for ${name}`,
      );
      expect(await opensslVerify(chain)).toContain(': OK');
      expect(log).toContain(challenge === 'http-01' ? '"challenge_type":"http-01"' : '"challenge_type":"tls-alpn-01"');
      const orders = (await api('GET', '/api/v1/acme/orders?limit=500')).body.data.filter((o: { identifiers: { value: string }[] }) =>
        o.identifiers.some((i) => i.value === name),
      );
      expect(orders.map((o: { status: string }) => o.status)).toContain('valid');
    } finally {
      caddy.kill('SIGTERM');
      await exited;
    }
  });
});
