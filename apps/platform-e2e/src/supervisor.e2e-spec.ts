import { SERVICES } from '@certctl/testing';
import { validCertificate, waitFor } from './http';
import { waitGone } from './restart';
import { type Runner, startRunner } from './runner-support';

/**
 * `npm start`'s runner (dist/tools/run-stack.js) as a user runs it, on its own database, Redis
 * database, NATS server and ports: kill -9 of the issuance service while certificates wait to be
 * signed; the runner starts it again and the work it held is finished, once each.
 */
describe('npm start supervises its services', () => {
  let stack: Runner;
  const output = () => stack.output();
  const servicePids = () => Object.fromEntries(stack.pids().map((pid, i) => [SERVICES[i]!.name, pid]));
  const call = (method: string, path: string, body?: unknown) => stack.call(method, path, body);

  beforeAll(async () => {
    stack = await startRunner({ name: 'supervised', redisDb: 6 });
  }, 240000);

  afterAll(async () => {
    await stack?.stop();
  }, 60000);

  it('restarts a service killed with -9, and the certificates it was signing are issued once each', async () => {
    const before = servicePids();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await call('POST', '/api/v1/certificates', validCertificate(`supervised-${i}-${Date.now()}`));
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    process.kill(before.issuance, 'SIGKILL');
    await waitFor(async () => /issuance started again \(pid \d+\)/.test(output()) || undefined, 30000, 'the runner to restart issuance');
    expect(output()).toMatch(/issuance exited \(code null, signal SIGKILL\); restarting in 1 s/);
    const after = servicePids();
    expect(after.issuance).not.toBe(before.issuance);
    expect({ ...after, issuance: 0 }).toEqual({ ...before, issuance: 0 }); // the others untouched
    expect(() => process.kill(after.issuance, 0)).not.toThrow();

    // The jobs the killed worker held come back when their queue lock lapses (stalled-job check)
    // or inventory's reconciliation re-queues them: all 20 active within one bound.
    let waiting = [...ids];
    await waitFor(
      async () => {
        const statuses = await Promise.all(waiting.map(async (id) => [id, (await call('GET', `/api/v1/certificates/${id}`)).body.status]));
        waiting = statuses.filter(([, status]) => status !== 'active').map(([id]) => id as string);
        return waiting.length === 0 || undefined;
      },
      180000,
      'all 20 certificates issued',
    ).catch(async (err: Error) => {
      const jobs = await call('GET', `/api/v1/jobs?certificate_id=${waiting[0]}`);
      throw new Error(
        `${err.message}; not active: ${waiting.join(', ')}; jobs of the first: ${JSON.stringify(jobs.body.data ?? jobs.body)}`,
      );
    });
    for (const id of ids) {
      const versions = await call('GET', `/api/v1/certificates/${id}/versions`);
      expect({ id, versions: versions.body.data.length }).toEqual({ id, versions: 1 }); // nothing signed twice
    }
  }, 240000);

  it('stops every service it started (the restarted one too) on SIGTERM', async () => {
    const pids = servicePids();
    stack.runner.kill('SIGTERM');
    await waitGone(stack.runner.pid!, 30000);
    expect(stack.runner.exitCode).toBe(0);
    for (const pid of Object.values(pids)) expect(() => process.kill(pid, 0)).toThrow();
  });
});
