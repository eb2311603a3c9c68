// lego v5 (its ACME library, through tools/conformance/lego5-client) against the platform's ACME
// server: http-01, tls-alpn-01 and dns-01 (the e2e stack's challenge test server as the DNS),
// renewal with ARI (the new order's `replaces` recorded by the platform), revocation, and EAB.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { acmeBase, directoryUrl, opensslVerify } from '../../apps/platform-e2e/src/acme-support';
import { readState } from '../../apps/platform-e2e/src/e2e-env';
import { api } from '../../apps/platform-e2e/src/http';
import { type AcmeTools, ensureAcmeTools, hexSerial as hex, platformOrders, revokedInInventory } from './acme-tools';

const execFileAsync = promisify(execFile);
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-lego5-'));

interface Lego5Result {
  account: string;
  serial: string;
  ari_cert_id: string;
  renewed_serial?: string;
  suggested_start?: string;
  suggested_end?: string;
  revoked: boolean;
  certificate_path: string;
}

let tools: AcmeTools;
let db: Client;

beforeAll(async () => {
  tools = ensureAcmeTools('lego5');
  db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  rmSync(dir, { recursive: true, force: true });
});

async function lego5(challenge: 'http-01' | 'tls-alpn-01' | 'dns-01', domains: string[], extra: string[] = []): Promise<Lego5Result> {
  const { acme } = readState();
  const port = challenge === 'tls-alpn-01' ? acme.tlsAlpn01Port : acme.http01Port;
  const out = join(dir, `${domains[0]}.pem`);
  const args = ['-ca', acmeBase().caFile, '-domains', domains.join(','), '-challenge', challenge, '-port', String(port)];
  args.push('-dns-api', `http://127.0.0.1:${acme.managementPort}`, '-out', out);
  if (!extra.includes('-server')) args.push('-server', directoryUrl());
  const { stdout } = await execFileAsync(join(tools.bin, 'lego5-client'), [...args, ...extra], {
    // lego follows CNAMEs of _acme-challenge through the system resolver unless told not to.
    env: { PATH: process.env.PATH, HOME: dir, LEGO_DISABLE_CNAME_SUPPORT: 'true' },
    timeout: 120000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Lego5Result;
}

describe('lego v5 (library) against the ACME server', () => {
  it.each(['http-01', 'tls-alpn-01', 'dns-01'] as const)(
    'ok/%s: obtained (chain verifies), renewed with ARI (the order records replaces), revoked (the inventory shows it)',
    async (challenge) => {
      const name = `lego5-${challenge}-${run}.example.test`;
      const r = await lego5(challenge, [name, `www.${name}`], ['-renew', '-revoke']);
      expect(r.account).toMatch(/\/acme\/acct\//);
      expect(r.renewed_serial).toBeDefined();
      expect(r.renewed_serial).not.toBe(r.serial);
      // The platform's renewal window, as lego read it (RFC 9773).
      expect(new Date(r.suggested_start!).getTime()).toBeLessThan(new Date(r.suggested_end!).getTime());
      expect(await opensslVerify(readFileSync(r.certificate_path, 'utf8'))).toContain(': OK');

      const orders = await platformOrders(db, name);
      expect(orders.map((o) => [o.status, o.replaces])).toEqual([
        ['valid', null],
        ['valid', r.ari_cert_id],
      ]);
      expect(orders.map((o) => hex(o.serial_number!))).toEqual([hex(r.serial), hex(r.renewed_serial!)]);
      // Both are versions of one inventory certificate; revoking the renewed one revokes it.
      expect(new Set(orders.map((o) => o.certificate_id)).size).toBe(1);
      const cert = await revokedInInventory(orders[1]!.certificate_id!);
      expect(hex(cert.serial_number)).toBe(hex(r.renewed_serial!));
    },
  );

  it('ok/EAB: a profile requiring external account binding refuses lego without it and accepts it with a key from the API', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `lego5-eab-${run}`, acme_eab_required: true, allow_internal_names: true },
    });
    expect(profile.status).toBe(201);
    const server = ['-server', directoryUrl(profile.body.id)];
    const name = `lego5-eab-${run}.example.test`;
    const refused = await lego5('http-01', [name], server).then(
      () => 'registered',
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toMatch(/register: .*externalAccountRequired/);

    const eab = await api('POST', '/api/v1/acme/eab-keys', { body: { profile_id: profile.body.id, description: 'lego5' } });
    expect(eab.status).toBe(201);
    const r = await lego5('http-01', [name], [...server, '-eab-kid', eab.body.id, '-eab-hmac', eab.body.hmac_key]);
    expect(await opensslVerify(readFileSync(r.certificate_path, 'utf8'))).toContain(': OK');
    const keys = await api('GET', '/api/v1/acme/eab-keys');
    const used = keys.body.data.find((k: { id: string }) => k.id === eab.body.id);
    expect(used.account_id).toEqual(expect.any(String));
    expect(r.account).toContain(used.account_id);
  });
});
