// golang.org/x/crypto/acme (the ACME client of Go's autocert and of cert-manager's ACME issuer),
// through tools/conformance/xacme-client, against the platform's ACME server: register, order,
// http-01 or dns-01, finalize, fetch the certificate again by its URL.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acmeBase, directoryUrl, opensslVerify } from '../../apps/platform-e2e/src/acme-support';
import { readState } from '../../apps/platform-e2e/src/e2e-env';
import { api } from '../../apps/platform-e2e/src/http';
import { type AcmeTools, ensureAcmeTools } from './acme-tools';

const execFileAsync = promisify(execFile);
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-xacme-'));

let tools: AcmeTools;
beforeAll(() => {
  tools = ensureAcmeTools('xacme');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('golang.org/x/crypto/acme against the ACME server', () => {
  it.each(['http-01', 'dns-01'] as const)(
    'ok/%s: registered, ordered, validated, finalized, fetched again by URL; the chain verifies; the platform order is valid',
    async (challenge) => {
      const { acme } = readState();
      const name = `xacme-${challenge}-${run}.example.test`;
      const out = join(dir, `${name}.pem`);
      const { stdout } = await execFileAsync(
        join(tools.bin, 'xacme-client'),
        [
          '-server',
          directoryUrl(),
          '-ca',
          acmeBase().caFile,
          '-domains',
          `${name},www.${name}`,
          '-challenge',
          challenge,
          '-port',
          String(acme.http01Port),
          '-dns-api',
          `http://127.0.0.1:${acme.managementPort}`,
          '-out',
          out,
        ],
        { env: { PATH: process.env.PATH, HOME: dir }, timeout: 120000 },
      );
      const r = JSON.parse(stdout.trim()) as { account: string; order: string; serial: string; dns_names: string[]; chain_length: number };
      expect(r.account).toMatch(/\/acme\/acct\//);
      expect([...r.dns_names].sort()).toEqual([name, `www.${name}`].sort());
      expect(r.chain_length).toBeGreaterThanOrEqual(2);
      expect(await opensslVerify(readFileSync(out, 'utf8'))).toContain(': OK');
      const orders = (await api('GET', '/api/v1/acme/orders?limit=500')).body.data.filter((o: { identifiers: { value: string }[] }) =>
        o.identifiers.some((i) => i.value === name),
      );
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ status: 'valid' });
      expect(orders[0].serial_number.toLowerCase().replace(/^0+/, '')).toBe(r.serial.replace(/^0+/, ''));
    },
  );
});
