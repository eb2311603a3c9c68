import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceProcess, freePort, startService, waitReady } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';

/**
 * Two gateway replicas over one stack: the shared stack's gateway (A) and one this suite starts
 * (B). Each keeps verified API keys and live agents in memory for minutes
 * (CERTCTL_API_KEY_CACHE_MS, 5 min by default); a change made through one must count on the
 * other at once — the next request — because it is broadcast on NATS, not because a cache
 * expired. The requests follow each other without any wait.
 */
describe('API key and agent changes reach every gateway replica at once', () => {
  const suffix = Date.now().toString(36);
  const state = readState();
  let replica: { child: ServiceProcess; url: string };

  /** A request to replica B, with `key`. */
  const atB = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${replica.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30000),
    });
    await res.text();
    return res.status;
  };

  beforeAll(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = startService('gateway', {
      env: {
        ...state.env,
        CERTCTL_GATEWAY_METRICS_PORT: String(metricsPort),
        CERTCTL_GATEWAY_TLS_PORT: '0',
        // Long enough that only the bus can explain a change seen within this test.
        CERTCTL_API_KEY_CACHE_MS: '600000',
        CERTCTL_GATEWAY_PUBLIC_CACHE_MS: '60000',
      },
      port,
      logDir: state.logDir,
    });
    replica = { child, url: `http://127.0.0.1:${port}` };
    await waitReady(`${replica.url}/ready`, 120000, () => child.exitCode === null);
  }, 180000);

  afterAll(async () => {
    if (replica?.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGTERM');
    await replica?.child.exited;
  });

  it('ok/a key disabled, re-enabled, rotated and deleted through A is refused or accepted by B on the very next request', async () => {
    const created = await api('POST', '/api/v1/api-keys', { body: { name: `replicas-${suffix}`, role: 'viewer' } });
    expect(created.status).toBe(201);
    const { id, key } = created.body as { id: string; key: string };
    // Both replicas verify the key once and from then on serve it from memory.
    expect(await atB('GET', '/api/v1/certificates?limit=1', key)).toBe(200);
    expect((await api('GET', '/api/v1/certificates?limit=1', { key })).status).toBe(200);
    expect(await atB('GET', '/api/v1/certificates?limit=1', key)).toBe(200);

    expect((await api('POST', `/api/v1/api-keys/${id}/disable`)).body.status).toBe('disabled');
    expect(await atB('GET', '/api/v1/certificates?limit=1', key)).toBe(401);
    expectProblem(await api('GET', '/api/v1/certificates?limit=1', { key }), 401);

    expect((await api('POST', `/api/v1/api-keys/${id}/enable`)).body.status).toBe('active');
    expect(await atB('GET', '/api/v1/certificates?limit=1', key)).toBe(200);

    const rotated = await api('POST', `/api/v1/api-keys/${id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(await atB('GET', '/api/v1/certificates?limit=1', key)).toBe(401);
    expect(await atB('GET', '/api/v1/certificates?limit=1', rotated.body.key)).toBe(200);

    expect((await api('DELETE', `/api/v1/api-keys/${id}`)).status).toBe(204);
    expect(await atB('GET', '/api/v1/certificates?limit=1', rotated.body.key)).toBe(401);
  });

  it('ok/an agent retired through A answers 410 on B on its very next heartbeat', async () => {
    const registered = await api('POST', '/api/v1/agents', { body: { name: `replicas-agent-${suffix}`, hostname: 'replicas.example' } });
    expect(registered.status).toBe(201);
    const { agent, api_key: agentKey } = registered.body as { agent: { id: string }; api_key: string };
    const beat = { hostname: 'replicas.example', os: 'linux', architecture: 'amd64', version: '1.0.0', ip_addresses: ['10.9.0.1'] };
    expect(await atB('POST', `/api/v1/agents/${agent.id}/heartbeat`, agentKey, beat)).toBe(200);
    expect(await atB('POST', `/api/v1/agents/${agent.id}/heartbeat`, agentKey, beat)).toBe(200);

    expect((await api('POST', `/api/v1/agents/${agent.id}/retire`)).status).toBe(200);
    expect(await atB('POST', `/api/v1/agents/${agent.id}/heartbeat`, agentKey, beat)).toBe(410);
  });

  it('ok/an OCSP answer B reuses (for up to 60 s here) is dropped as soon as A revokes the certificate, and again when the hold is lifted', async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`replicas-ocsp-${suffix}`) });
    expect(created.status).toBe(201);
    const cert = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${created.body.id}`);
        return c.body.status === 'active' && c.body.certificate_pem ? c.body : undefined;
      },
      120000,
      'the certificate to be issued',
    );
    const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-replica-ocsp-'));
    const ca = join(dir, 'ca.pem');
    const leaf = join(dir, 'leaf.pem');
    const req = join(dir, 'req.der');
    writeFileSync(ca, (await api('GET', '/api/v1/issuers/iss-local')).body.ca_certificate_pem);
    writeFileSync(leaf, cert.certificate_pem);
    execFileSync('openssl', ['ocsp', '-issuer', ca, '-cert', leaf, '-no_nonce', '-reqout', req]);
    const url = `${replica.url}/.well-known/pki/ocsp/iss-local/${encodeURIComponent(readFileSync(req).toString('base64'))}`;
    const atBStatus = async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(30000) });
      expect(res.status).toBe(200);
      const resp = join(dir, 'resp.der');
      writeFileSync(resp, Buffer.from(await res.arrayBuffer()));
      const out = spawnSync('openssl', ['ocsp', '-respin', resp, '-reqin', req, '-CAfile', ca, '-resp_text'], { encoding: 'utf8' });
      expect(`${out.stdout}${out.stderr}`).toContain('Response verify OK');
      return { status: /Cert Status: (\w+)/.exec(out.stdout)?.[1], cached: res.headers.get('age') !== null };
    };
    expect(await atBStatus()).toEqual({ status: 'good', cached: false });
    expect(await atBStatus()).toEqual({ status: 'good', cached: true });
    // Only the revocation event on the bus can explain B answering "revoked" long before its 60 s.
    expect((await api('POST', `/api/v1/certificates/${cert.id}/revoke`, { body: { reason: 'certificateHold' } })).status).toBe(200);
    await waitFor(async () => ((await atBStatus()).status === 'revoked' ? true : undefined), 5000, 'B to answer revoked');
    expect(await atBStatus()).toEqual({ status: 'revoked', cached: true });
    expect((await api('POST', `/api/v1/certificates/${cert.id}/revoke`, { body: { reason: 'removeFromCRL' } })).status).toBe(200);
    await waitFor(async () => ((await atBStatus()).status === 'good' ? true : undefined), 5000, 'B to answer good again');
  });
});
