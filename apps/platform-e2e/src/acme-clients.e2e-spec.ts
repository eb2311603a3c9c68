import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { api, waitFor } from './http';
import { readState } from './e2e-env';
import { acmeClientEnv, directoryUrl, opensslVerify } from './acme-support';

jest.setTimeout(180000);
const run = promisify(execFile);

function serialOf(pem: string): string {
  return new x509.X509Certificate(pem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n').serialNumber.toLowerCase();
}

/** Real ACME clients from Debian, unmodified, against the running stack. */
describe('lego and certbot against the ACME server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lego-'));
  const domain = 'lego.example.test';
  const lego = (...args: string[]) =>
    run(
      'lego',
      [
        '--server',
        directoryUrl(),
        '--accept-tos',
        '--email',
        'e2e@example.com',
        '--domains',
        domain,
        '--http',
        '--http.port',
        `:${readState().acme.http01Port}`,
        '--path',
        dir,
        ...args,
      ],
      { env: acmeClientEnv(), timeout: 120000 },
    );
  const certFile = join(dir, 'certificates', `${domain}.crt`);

  it('ok/lego obtains a certificate with http-01 (its own server on a high port); the chain verifies', async () => {
    const t0 = Date.now();
    await lego('run');
    const seconds = (Date.now() - t0) / 1000;
    process.stderr.write(`[acme] lego run (account, order, http-01, finalize, download) took ${seconds.toFixed(2)} s\n`);
    const pem = readFileSync(certFile, 'utf8');
    expect(await opensslVerify(pem)).toContain(': OK');
  });

  it('ok/lego renews it: a new certificate, recorded as a new version of the same inventory certificate', async () => {
    const before = serialOf(readFileSync(certFile, 'utf8'));
    await lego('renew', '--days', '400', '--no-random-sleep');
    const after = serialOf(readFileSync(certFile, 'utf8'));
    expect(after).not.toBe(before);
    const orders = (await api('GET', '/api/v1/acme/orders?limit=100')).body.data.filter((o: any) =>
      o.identifiers.some((i: any) => i.value === domain),
    );
    expect(orders).toHaveLength(2);
    expect(new Set(orders.map((o: any) => o.certificate_id)).size).toBe(1);
    const cert = await api('GET', `/api/v1/certificates/${orders[0].certificate_id}`);
    expect(cert.body.current_version.serial_number).toBe(after);
    expect(cert.body.source).toBe('acme');
  });

  it('ok/lego revokes it: the inventory shows it revoked', async () => {
    await lego('revoke');
    const orders = (await api('GET', '/api/v1/acme/orders?limit=100')).body.data.filter((o: any) =>
      o.identifiers.some((i: any) => i.value === domain),
    );
    const status = await waitFor(async () => {
      const c = await api('GET', `/api/v1/certificates/${orders[0].certificate_id}`);
      return c.body.status === 'revoked' ? c.body.status : undefined;
    });
    expect(status).toBe('revoked');
  });

  it('ok/certbot certonly --standalone obtains a certificate', async () => {
    const cb = mkdtempSync(join(tmpdir(), 'certbot-'));
    await run(
      'certbot',
      [
        'certonly',
        '--standalone',
        '--non-interactive',
        '--agree-tos',
        '-m',
        'e2e@example.com',
        '--server',
        directoryUrl(),
        '-d',
        'certbot.example.test',
        '--http-01-port',
        String(readState().acme.http01Port),
        '--config-dir',
        cb,
        '--work-dir',
        cb,
        '--logs-dir',
        cb,
      ],
      { env: acmeClientEnv(), timeout: 120000 },
    );
    const pem = readFileSync(join(cb, 'live', 'certbot.example.test', 'fullchain.pem'), 'utf8');
    expect(await opensslVerify(pem)).toContain(': OK');
  });
});
