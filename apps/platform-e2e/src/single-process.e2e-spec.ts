import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES } from '@certctl/testing';
import { validCertificate, waitFor } from './http';
import { waitGone } from './restart';
import { type Runner, startRunner } from './runner-support';

/**
 * The single-process mode for small installs (`CERTCTL_SINGLE_PROCESS=1 npm start`): the seven
 * services in one Node process, each on its own port with its own configuration and bus identity,
 * run by `npm start`'s runner on a database, Redis database, NATS server and ports of its own.
 * The rest of the e2e tier proves the one-process-per-service mode.
 */
describe('npm start with every service in one process', () => {
  let stack: Runner;
  const pid = () => stack.pids()[0]!;
  const residentMb = (p: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024;
  const platformLog = () => readFileSync(join(stack.dir, 'data', 'logs', 'platform.log'), 'utf8');
  /** Waits until `id` is active with `versions` versions. */
  const issued = (id: string, versions: number) =>
    waitFor(
      async () => {
        const cert = await stack.call('GET', `/api/v1/certificates/${id}`);
        const v = await stack.call('GET', `/api/v1/certificates/${id}/versions`);
        return cert.body.status === 'active' && v.body.data.length === versions ? v.body.data : undefined;
      },
      120000,
      `certificate ${id} issued with ${versions} version(s)`,
    );

  beforeAll(async () => {
    stack = await startRunner({ name: 'single-process', redisDb: 7, env: { CERTCTL_SINGLE_PROCESS: '1' } });
  }, 240000);

  afterAll(async () => {
    await stack?.stop();
  }, 60000);

  it('ok/the seven services answer from one process, each on its own port, in well under 1 GiB resident', async () => {
    expect(stack.output()).toMatch(/all 7 services ready in one process \(pid \d+\)/);
    expect(stack.pids()).toHaveLength(1);
    for (const s of SERVICES) {
      const res = await fetch(`http://127.0.0.1:${stack.ports[s.name]}/health`);
      expect(await res.json()).toEqual({ status: 'ok', service: s.name });
    }
    const readiness = await stack.call('GET', '/api/v1/system/readiness');
    expect(readiness.body.ready).toBe(true);
    expect(readiness.body.services.map((s: { service: string }) => s.service).sort()).toEqual(SERVICES.map((s) => s.name).sort());
    // The aim of the memory issue is the whole stack idle under 1 GiB; one process of all seven holds a fraction of it.
    expect(residentMb(pid())).toBeLessThan(1024);
    // Each service logs under its own name.
    for (const s of SERVICES) expect(platformLog()).toContain(`"service":"${s.name}"`);
  });

  it('ok/a certificate is issued, renewed and revoked through the gateway; the CRL lists it', async () => {
    const created = await stack.call('POST', '/api/v1/certificates', validCertificate(`single-${Date.now()}`));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await issued(id, 1);
    const renewed = await stack.call('POST', `/api/v1/certificates/${id}/renew`, {});
    expect(renewed.status).toBeLessThan(300);
    const versions = await issued(id, 2);
    const revoked = await stack.call('POST', `/api/v1/certificates/${id}/revoke`, { reason: 'superseded' });
    expect(revoked.status).toBe(200);
    expect(revoked.body.serial_number).toBe(versions[0].serial_number);
    const crlFile = join(stack.dir, 'current.crl');
    const text = await waitFor(
      async () => {
        const res = await fetch(`${stack.gateway}/.well-known/pki/crl/iss-local`);
        writeFileSync(crlFile, Buffer.from(await res.arrayBuffer()));
        const out = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text'], { encoding: 'utf8' });
        return out.includes(`Serial Number: ${String(revoked.body.serial_number).toUpperCase()}`) ? out : undefined;
      },
      30000,
      'the CRL to list the revoked serial',
    );
    expect(text).toContain('Superseded');
  }, 240000);

  it('ok/kill -9 of the process: the runner starts it again and every service answers again', async () => {
    const before = pid();
    process.kill(before, 'SIGKILL');
    await waitFor(
      async () => /platform started again \(pid \d+\)/.test(stack.output()) || undefined,
      30000,
      'the runner to restart the process',
    );
    expect(stack.output()).toMatch(/platform exited \(code null, signal SIGKILL\); restarting in 1 s/);
    expect(pid()).not.toBe(before);
    // Until the new process listens, the gateway's port refuses connections: not ready yet.
    await waitFor(
      () =>
        stack
          .call('GET', '/api/v1/system/readiness')
          .then((r) => r.body.ready === true || undefined)
          .catch(() => undefined),
      120000,
      'every service ready again',
    );
  }, 180000);

  it('ok/SIGTERM stops every service gracefully, then the process and the runner exit 0', async () => {
    const platform = pid();
    stack.runner.kill('SIGTERM');
    await waitGone(stack.runner.pid!, 30000);
    expect(stack.runner.exitCode).toBe(0);
    expect(() => process.kill(platform, 0)).toThrow();
    const stopped = platformLog()
      .split('\n')
      .slice(-200)
      .filter((l) => l.includes('"msg":"shutdown complete"'))
      .map((l) => (JSON.parse(l) as { service: string }).service);
    expect(stopped.sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });
});
