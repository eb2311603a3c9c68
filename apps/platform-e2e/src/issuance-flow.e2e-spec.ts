import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES } from '@certctl/testing';
import * as acme from 'acme-client';
import { directoryUrl, issueWithDns01, trustPlatformCa } from './acme-support';
import { readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';

const expectMissing = (r: Parameters<typeof expectProblem>[0]) => expectProblem(r, 404);

function logLines(service: string): Record<string, unknown>[] {
  const { logDir } = readState();
  return readFileSync(join(logDir, `${service}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('certificate issuance end to end', () => {
  const name = `flow-${Date.now()}`;
  let created: { status: number; headers: Headers; body: any };
  let active: any;

  beforeAll(async () => {
    created = await api('POST', '/api/v1/certificates', { body: validCertificate(name) });
    active = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${created.body.id}`);
        return r.body.status === 'active' ? r.body : undefined;
      },
      30000,
      'the certificate to become active',
    );
  });

  it('ok/create answers 201 with the pending certificate, its job and a Location', () => {
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, status: 'pending', issuer_id: 'iss-local', created_by: 'bootstrap-admin', source: 'api' });
    expect(created.body.job_id).toMatch(/^job-/);
    expect(created.headers.get('location')).toBe(`/api/v1/certificates/${created.body.id}`);
  });

  it('ok/the certificate becomes active with serial, validity and PEM', () => {
    expect(active.serial_number).toMatch(/^[0-9a-f]{32}$/);
    expect(new Date(active.not_after).getTime()).toBeGreaterThan(Date.now() + 80 * 86400_000);
    expect(active.certificate_pem).toContain('-----BEGIN CERTIFICATE-----');
    expect(active.current_version.key_source).toBe('server');
  });

  it('ok/openssl verifies the leaf against the issuer CA from GET /api/v1/issuers/iss-local', async () => {
    const issuer = await api('GET', '/api/v1/issuers/iss-local');
    expect(issuer.status).toBe(200);
    expect(issuer.body.ca_certificate_pem).toContain('BEGIN CERTIFICATE');
    const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-'));
    writeFileSync(join(dir, 'ca.pem'), issuer.body.ca_certificate_pem);
    writeFileSync(join(dir, 'leaf.pem'), active.certificate_pem);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'leaf.pem')], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain(`DNS:${name}.example.com`);
    expect(text).toContain('IP Address:10.0.0.7');
    expect(text).toContain('TLS Web Server Authentication');
  });

  it('ok/PEM downloads: full chain (application/pem-certificate-chain), leaf and chain; openssl verifies the full chain file', async () => {
    const { adminKey } = readState();
    const get = (part?: string) =>
      fetch(`http://127.0.0.1:${readState().ports.gateway}/api/v1/certificates/${active.id}/pem${part ? `?part=${part}` : ''}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
    const full = await get();
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toMatch(/^application\/pem-certificate-chain/);
    const fullText = await full.text();
    const leaf = await (await get('leaf')).text();
    const chain = await (await get('chain')).text();
    expect(fullText).toBe(leaf + chain);
    expect(leaf.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(leaf.trim()).toBe(active.certificate_pem.trim());
    const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-pem-'));
    writeFileSync(join(dir, 'chain.pem'), chain);
    writeFileSync(join(dir, 'leaf.pem'), leaf);
    // The chain of an iss-local leaf is its root (docs/issuance.md): it verifies the leaf.
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'chain.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
    expect(out.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    expect((await get('bogus')).status).toBe(422);
  });

  it('ok/the version history shows each issued version with the job and requester that caused it', async () => {
    const first = await api('GET', `/api/v1/certificates/${active.id}/versions`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.data[0]).toMatchObject({
      serial_number: active.serial_number,
      job_id: created.body.job_id,
      cause: { job_type: 'issuance', requested_by: 'bootstrap-admin' },
    });
    const renew = await api('POST', `/api/v1/certificates/${active.id}/renew`);
    expect(renew.status).toBe(202);
    const history = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${active.id}/versions`);
        return r.body.data.length === 2 ? r.body.data : undefined;
      },
      30000,
      'the renewed version',
    );
    expect(history[0]).toMatchObject({ job_id: renew.body.job_id, cause: { job_type: 'renewal', requested_by: 'bootstrap-admin' } });
    expect(history[1].serial_number).toBe(active.serial_number);
    expect(new Date(history[0].created_at).getTime()).toBeGreaterThanOrEqual(new Date(history[1].created_at).getTime());
    expectMissing(await api('GET', '/api/v1/certificates/no-such-cert/versions'));
  });

  it('ok/the gateway writes no access-log line per forwarded OCSP request, but does for the other public routes', async () => {
    const ocspId = `ocsp-quiet-${Date.now()}`;
    const acmeId = `acme-logged-${Date.now()}`;
    const ocsp = await api('GET', '/.well-known/pki/ocsp/iss-local/AAAA', { key: null, headers: { 'x-request-id': ocspId } });
    expect(ocsp.status).toBeLessThan(500);
    expect(ocsp.headers.get('x-request-id')).toBe(ocspId);
    expect((await api('GET', '/acme/directory', { key: null, headers: { 'x-request-id': acmeId } })).status).toBe(200);
    await waitFor(
      async () => logLines('gateway').some((l) => l.request_id === acmeId && l.msg === 'http request'),
      5000,
      'the ACME access-log line',
    );
    expect(logLines('gateway').filter((l) => l.request_id === ocspId)).toEqual([]);
  });

  it('ok/gateway, inventory and issuance logged this request under one trace id', () => {
    const requestId = created.headers.get('x-request-id');
    const access = logLines('gateway').find((l) => l.request_id === requestId && l.msg === 'http request');
    expect(access).toBeDefined();
    const traceId = access!.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
    expect(logLines('inventory').some((l) => l.trace_id === traceId && l.job_id === created.body.job_id)).toBe(true);
    expect(
      logLines('issuance').some((l) => l.trace_id === traceId && l.msg === 'certificate issued' && l.job_id === created.body.job_id),
    ).toBe(true);
  });

  it('ok/the list shows the certificate and paginates with a cursor', async () => {
    const second = await api('POST', '/api/v1/certificates', { body: validCertificate(`${name}-b`) });
    expect(second.status).toBe(201);
    const page1 = await api('GET', '/api/v1/certificates?limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await api('GET', `/api/v1/certificates?limit=1&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[0].id);
  });

  it.each(SERVICES.map((s) => s.name))('ok/%s answers /health, /ready and /metrics', async (service) => {
    const port = readState().ports[service];
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: Record<string, string> }).checks;
    expect(Object.values(checks).every((v) => v === 'ok')).toBe(true);
    expect(Object.keys(checks)).toContain('database');
    expect(Object.keys(checks)).toContain('nats');
    // The gateway keeps /metrics off its public port: its own listener serves them.
    const metricsPort = service === 'gateway' ? readState().env.CERTCTL_GATEWAY_METRICS_PORT : port;
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('certctl_process_cpu_seconds_total');
    expect(metrics).toContain('certctl_http_request_duration_seconds_bucket');
    expect(metrics).toContain('# TYPE certctl_nats_handler_duration_seconds histogram');
  });

  it('ok/inventory measured its NATS handlers and issuance its issuance', async () => {
    const { ports } = readState();
    const inv = await (await fetch(`http://127.0.0.1:${ports.inventory}/metrics`)).text();
    expect(inv).toMatch(
      /certctl_nats_handler_duration_seconds_count\{[^}]*subject="certctl\.v1\.inventory\.certificate\.create",result="ok"[^}]*\} [1-9]/,
    );
    const iss = await (await fetch(`http://127.0.0.1:${ports.issuance}/metrics`)).text();
    expect(iss).toMatch(/certctl_issuance_total\{[^}]*issuer_type="local",result="ok"[^}]*\} [1-9]/);
  });
});

describe('short-lived certificates: a profile with max_validity_seconds', () => {
  const run = Date.now().toString(36);

  /** notBefore / notAfter as openssl reads them from the PEM. */
  function pemDates(pem: string): { notBefore: number; notAfter: number } {
    const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-short-'));
    writeFileSync(join(dir, 'leaf.pem'), pem);
    const out = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-dates', '-dateopt', 'iso_8601'], {
      encoding: 'utf8',
    });
    const field = (k: string) => Date.parse(new RegExp(`${k}=(.+)`).exec(out)![1].trim().replace(' ', 'T'));
    return { notBefore: field('notBefore'), notAfter: field('notAfter') };
  }

  it('ok/a 600-second profile issues a leaf whose PEM lives 600 s from a notBefore backdated a minute', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `ten-minutes-${run}`, max_validity_seconds: 600 } });
    expect(profile.status).toBe(201);
    expect(profile.body).toMatchObject({ max_validity_seconds: 600, max_validity_days: 397 });
    const t0 = Date.now();
    const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`short-${run}`), profile_id: profile.body.id } });
    expect(cert.status).toBe(201);
    const active = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${cert.body.id}`);
        return r.body.status === 'active' ? r.body : undefined;
      },
      30000,
      'the short-lived certificate to become active',
    );
    const leaf = await fetch(`http://127.0.0.1:${readState().ports.gateway}/api/v1/certificates/${active.id}/pem?part=leaf`, {
      headers: { authorization: `Bearer ${readState().adminKey}` },
    });
    expect(leaf.status).toBe(200);
    const { notBefore, notAfter } = pemDates(await leaf.text());
    // RFC 5280 counts both ends: a 600-second validity period is notAfter − notBefore = 599 s.
    expect(notAfter - notBefore).toBe(599_000);
    // notBefore keeps its minute of clock-skew backdating (whole seconds).
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor((t0 - 60_000) / 1000) * 1000);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 59_000);
    expect(Date.parse(active.not_after)).toBe(notAfter);
  });

  it("ok/an ACME order on such a profile gets the profile's 600 seconds too (same issuance path)", async () => {
    trustPlatformCa();
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `acme-ten-minutes-${run}`, max_validity_seconds: 600, allow_internal_names: true }, // the order names a .test name
    });
    expect(profile.status).toBe(201);
    const client = new acme.Client({
      directoryUrl: directoryUrl(profile.body.id),
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      backoffAttempts: 30,
      backoffMin: 100,
      backoffMax: 500,
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const name = `short-${run}.example.test`;
    const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
    const { notBefore, notAfter } = pemDates(await issueWithDns01(client, csr));
    expect(notAfter - notBefore).toBe(599_000);
  });

  it('ok/PATCH sets and clears it (null: max_validity_days applies again)', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `patched-${run}` } });
    expect(profile.body.max_validity_seconds).toBeNull();
    const set = await api('PATCH', `/api/v1/profiles/${profile.body.id}`, { body: { max_validity_seconds: 3600 } });
    expect(set.status).toBe(200);
    expect(set.body.max_validity_seconds).toBe(3600);
    const cleared = await api('PATCH', `/api/v1/profiles/${profile.body.id}`, { body: { max_validity_seconds: null } });
    expect(cleared.body.max_validity_seconds).toBeNull();
    expect((await api('GET', `/api/v1/profiles/${profile.body.id}`)).body.max_validity_seconds).toBeNull();
  });

  it('fail/less than 300 seconds is a 422 naming max_validity_seconds', async () => {
    const r = await api('POST', '/api/v1/profiles', { body: { name: `too-short-${run}`, max_validity_seconds: 299 } });
    expectProblem(r, 422);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(['max_validity_seconds']);
  });
});
