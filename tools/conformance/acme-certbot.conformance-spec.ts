// certbot's current release from PyPI (pinned in install-acme-clients.sh; Debian's 2.1 runs in
// apps/platform-e2e/src/acme-clients.e2e-spec.ts) against the platform's ACME server:
// certonly standalone and webroot, renew, revoke, --preferred-chain, EAB.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { acmeClientEnv, directoryUrl, opensslVerify } from '../../apps/platform-e2e/src/acme-support';
import { readState } from '../../apps/platform-e2e/src/e2e-env';
import { api, waitFor } from '../../apps/platform-e2e/src/http';
import { type AcmeTools, ensureAcmeTools } from './acme-tools';

const execFileAsync = promisify(execFile);
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-certbot-'));

let tools: AcmeTools;
beforeAll(() => {
  tools = ensureAcmeTools('certbot');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function certbot(args: string[], server = directoryUrl()) {
  const base = ['--non-interactive', '--agree-tos', '-m', 'e2e@example.com', '--server', server];
  base.push('--config-dir', dir, '--work-dir', dir, '--logs-dir', join(dir, 'logs'));
  return execFileAsync(tools.certbot, [...args, ...base], { env: acmeClientEnv(), timeout: 120000 });
}

const standalone = () => ['--standalone', '--http-01-port', String(readState().acme.http01Port)];
const serialOf = (pem: string) =>
  new x509.X509Certificate(pem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n').serialNumber.toLowerCase();
const live = (name: string, file: string) => readFileSync(join(dir, 'live', name, file), 'utf8');

async function ordersFor(name: string) {
  return (await api('GET', '/api/v1/acme/orders?limit=500')).body.data.filter((o: { identifiers: { value: string }[] }) =>
    o.identifiers.some((i) => i.value === name),
  );
}

describe(`certbot (PyPI) against the ACME server`, () => {
  const name = `certbot-${run}.example.test`;

  it('ok/certonly --standalone: the chain verifies', async () => {
    const { stdout } = await execFileAsync(tools.certbot, ['--version']);
    expect(stdout.trim()).toBe('certbot 5.8.0');
    await certbot(['certonly', ...standalone(), '-d', name]);
    expect(await opensslVerify(live(name, 'fullchain.pem'))).toContain(': OK');
  });

  it('ok/renew --force-renewal: a new certificate, a new version of the same inventory certificate', async () => {
    const before = serialOf(live(name, 'cert.pem'));
    await certbot(['renew', '--cert-name', name, '--force-renewal', '--no-random-sleep-on-renew']);
    const after = serialOf(live(name, 'cert.pem'));
    expect(after).not.toBe(before);
    const orders = await ordersFor(name);
    expect(orders).toHaveLength(2);
    expect(new Set(orders.map((o: { certificate_id: string }) => o.certificate_id)).size).toBe(1);
    const cert = await api('GET', `/api/v1/certificates/${orders[0].certificate_id}`);
    expect(cert.body.current_version.serial_number.replace(/^0+/, '')).toBe(after.replace(/^0+/, ''));
  });

  it('ok/revoke --reason keycompromise: the inventory shows it revoked', async () => {
    await certbot(['revoke', '--cert-path', join(dir, 'live', name, 'cert.pem'), '--reason', 'keycompromise', '--no-delete-after-revoke']);
    const [order] = await ordersFor(name);
    const status = await waitFor(async () => {
      const c = await api('GET', `/api/v1/certificates/${order.certificate_id}`);
      return c.body.status === 'revoked' ? c.body.status : undefined;
    });
    expect(status).toBe('revoked');
  });

  it('ok/certonly --webroot with --preferred-chain: the platform fetches the file certbot wrote; the default chain is kept', async () => {
    // A web server on the http-01 port serving the webroot, as nginx would.
    const webroot = join(dir, 'webroot');
    mkdirSync(webroot, { recursive: true });
    const served: string[] = [];
    const server: Server = createServer((req, res) => {
      const file = normalize(join(webroot, decodeURIComponent(req.url ?? '/')));
      served.push(req.url ?? '');
      if (!file.startsWith(webroot) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(readState().acme.http01Port, '127.0.0.1', () => r()));
    const web = `certbot-web-${run}.example.test`;
    try {
      await certbot(['certonly', '--webroot', '-w', webroot, '-d', web, '--preferred-chain', 'No Such Root']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(served.filter((u) => u.startsWith('/.well-known/acme-challenge/'))).not.toHaveLength(0);
    expect(await opensslVerify(live(web, 'fullchain.pem'))).toContain(': OK');
  });

  it('ok/EAB: a profile requiring external account binding refuses certbot without it and accepts it with a key from the API', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `certbot-eab-${run}`, acme_eab_required: true, allow_internal_names: true },
    });
    expect(profile.status).toBe(201);
    const server = directoryUrl(profile.body.id);
    const eabName = `certbot-eab-${run}.example.test`;
    // Refused at registration, so no account is stored for this server.
    const refused = await certbot(['certonly', ...standalone(), '-d', eabName], server).then(
      () => 'issued',
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toMatch(/external account/i);
    const eab = await api('POST', '/api/v1/acme/eab-keys', { body: { profile_id: profile.body.id, description: 'certbot' } });
    expect(eab.status).toBe(201);
    await certbot(['certonly', ...standalone(), '-d', eabName, '--eab-kid', eab.body.id, '--eab-hmac-key', eab.body.hmac_key], server);
    expect(await opensslVerify(live(eabName, 'fullchain.pem'))).toContain(': OK');
  });
});
