// The lego v5 command itself (built from its module source by tools/conformance/lego5-cmd/build.sh,
// see docs/conformance.md) against the platform's ACME server on the gateway's HTTPS listener:
// `lego run` with http-01 (lego's own server), tls-alpn-01 and dns-01 (the `exec` provider setting
// TXT records on the e2e stack's challenge test server), `lego run` again to renew with ARI (the
// platform records lego's `replaces`), `lego certificates revoke`, and EAB.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { Client } from 'pg';
import { acmeClientEnv, directoryUrl, opensslVerify } from '../../apps/platform-e2e/src/acme-support';
import { readState } from '../../apps/platform-e2e/src/e2e-env';
import { api } from '../../apps/platform-e2e/src/http';
import { type AcmeTools, ensureAcmeTools, hexSerial, platformOrders, revokedInInventory } from './acme-tools';

const execFileAsync = promisify(execFile);
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-lego5-cmd-'));
const execLog = join(dir, 'exec-dns.log');
type Challenge = 'http-01' | 'tls-alpn-01' | 'dns-01';

let tools: AcmeTools;
let db: Client;

beforeAll(async () => {
  tools = ensureAcmeTools('lego5cmd');
  writeFileSync(execLog, '');
  db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the built `lego` with the platform's CA bundle as its trust root (LEGO_CA_CERTIFICATES). */
function lego(args: string[]) {
  const { acme } = readState();
  const env = {
    ...acmeClientEnv(),
    // The exec DNS provider: lego runs exec-dns.sh present|cleanup <fqdn> <value>.
    EXEC_PATH: join(__dirname, 'lego5-cmd', 'exec-dns.sh'),
    EXEC_LOG: execLog,
    CHALLENGE_API: `http://127.0.0.1:${acme.managementPort}`,
    EXEC_PROPAGATION_TIMEOUT: '30',
    EXEC_POLLING_INTERVAL: '1',
    EXEC_SEQUENCE_INTERVAL: '1',
    // lego follows CNAMEs of _acme-challenge through the system resolver unless told not to.
    LEGO_DISABLE_CNAME_SUPPORT: 'true',
  };
  return execFileAsync(join(tools.bin, 'lego'), args, { env, timeout: 180000 });
}

/** The flags that select one challenge type on the e2e stack's challenge ports and DNS. */
function challengeFlags(challenge: Challenge): string[] {
  const { acme } = readState();
  if (challenge === 'http-01') return ['--http', '--http.address', `127.0.0.1:${acme.http01Port}`];
  if (challenge === 'tls-alpn-01') return ['--tls', '--tls.address', `127.0.0.1:${acme.tlsAlpn01Port}`];
  // lego's own propagation check asks the zone's authoritative servers, which example.test has
  // none of; the challenge test server answers at once, so a short fixed wait replaces it.
  return ['--dns', 'exec', '--dns.resolvers', `127.0.0.1:${acme.dnsPort}`, '--dns.propagation.wait', '1s'];
}

/** `lego run` for these names into its own storage folder; returns the folder. */
async function legoRun(storage: string, challenge: Challenge, names: string[], extra: string[] = []) {
  const args = ['run', '--accept-tos', '--email', 'conformance@example.com', '--path', storage];
  if (!extra.includes('--server')) args.push('--server', directoryUrl());
  for (const name of names) args.push('--domains', name);
  await lego([...args, ...challengeFlags(challenge), ...extra]);
}

/** The certificate bundle lego stored for a name (leaf first, then the chain). */
const stored = (storage: string, name: string) => readFileSync(join(storage, 'certificates', `${name}.crt`), 'utf8');

/** RFC 9773 §4.1: base64url(authority key identifier) "." base64url(serial number's DER content). */
function ariCertId(pem: string): string {
  const cert = new x509.X509Certificate(pem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n');
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId!;
  let serial = cert.serialNumber;
  if (serial.length % 2) serial = `0${serial}`;
  if (parseInt(serial.slice(0, 2), 16) >= 0x80) serial = `00${serial}`;
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
  return `${b64(aki)}.${b64(serial)}`;
}

const serialOf = (pem: string) =>
  new x509.X509Certificate(pem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n').serialNumber;

describe('lego v5 (the command) against the ACME server', () => {
  it('ok/version: the binary is lego v5.6.0 built from its module, with the exec DNS provider', async () => {
    const { stdout } = await lego(['--version']);
    expect(stdout).toMatch(/^lego version v5\.6\.0 /);
    const help = await lego(['dnshelp', '--code', 'exec']);
    expect(help.stdout).toMatch(/Code:\s+'exec'/);
  });

  it.each(['http-01', 'tls-alpn-01', 'dns-01'] as const)(
    'ok/%s: lego run obtains (chain verifies), lego run --renew-force renews with ARI (the order records replaces), lego certificates revoke revokes',
    async (challenge) => {
      const storage = join(dir, challenge);
      const name = `lego5cmd-${challenge}-${run}.example.test`;
      await legoRun(storage, challenge, [name, `www.${name}`]);
      const first = stored(storage, name);
      expect(await opensslVerify(first)).toContain(': OK');

      // A second run finds the certificate and renews it; ARI is on by default in v5 (--ari-disable turns it off).
      await legoRun(storage, challenge, [name, `www.${name}`], ['--renew-force', '--no-random-sleep']);
      const renewed = stored(storage, name);
      expect(serialOf(renewed)).not.toBe(serialOf(first));
      expect(await opensslVerify(renewed)).toContain(': OK');

      const orders = await platformOrders(db, name);
      expect(orders.map((o) => [o.status, o.replaces])).toEqual([
        ['valid', null],
        ['valid', ariCertId(first)],
      ]);
      expect(orders[0]!.challenges).toEqual([challenge]);
      expect(orders.map((o) => hexSerial(o.serial_number!))).toEqual([hexSerial(serialOf(first)), hexSerial(serialOf(renewed))]);
      if (challenge === 'dns-01') {
        const calls = readFileSync(execLog, 'utf8');
        for (const host of [name, `www.${name}`]) {
          expect(calls).toContain(`present _acme-challenge.${host}.`);
          expect(calls).toContain(`cleanup _acme-challenge.${host}.`);
        }
      }

      await lego([
        'certificates',
        'revoke',
        '--server',
        directoryUrl(),
        '--email',
        'conformance@example.com',
        '--path',
        storage,
        '--cert.name',
        name,
      ]);
      expect(new Set(orders.map((o) => o.certificate_id)).size).toBe(1);
      const cert = await revokedInInventory(orders[1]!.certificate_id!);
      expect(hexSerial(cert.serial_number)).toBe(hexSerial(serialOf(renewed)));
    },
  );

  it('ok/EAB: a profile requiring external account binding refuses lego run without it and accepts it with --eab', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `lego5cmd-eab-${run}`, acme_eab_required: true, allow_internal_names: true },
    });
    expect(profile.status).toBe(201);
    const server = ['--server', directoryUrl(profile.body.id)];
    const storage = join(dir, 'eab');
    const name = `lego5cmd-eab-${run}.example.test`;
    const refused = await legoRun(storage, 'http-01', [name], server).then(
      () => 'registered',
      (err: { stdout: string; stderr: string }) => `${err.stdout}\n${err.stderr}`,
    );
    // The command reads the directory's meta.externalAccountRequired and refuses before newAccount.
    expect(refused).toContain('server requires External Account Binding (EAB)');

    const eab = await api('POST', '/api/v1/acme/eab-keys', { body: { profile_id: profile.body.id, description: 'lego5cmd' } });
    expect(eab.status).toBe(201);
    await legoRun(storage, 'http-01', [name], [...server, '--eab', '--eab.kid', eab.body.id, '--eab.hmac', eab.body.hmac_key]);
    expect(await opensslVerify(stored(storage, name))).toContain(': OK');
    const keys = await api('GET', '/api/v1/acme/eab-keys');
    const used = keys.body.data.find((k: { id: string }) => k.id === eab.body.id);
    expect(used.account_id).toEqual(expect.any(String));
    // lego stored the account the platform bound to the key: accounts/<server>/<email>/account.json.
    const [host] = readdirSync(join(storage, 'accounts'));
    const account = JSON.parse(readFileSync(join(storage, 'accounts', host!, 'conformance@example.com', 'account.json'), 'utf8'));
    expect(account.registration.accountURL).toContain(used.account_id);
  });
});
