import { type Server, createServer } from 'node:tls';
import { type CreatedCa, createRootCa, exportPrivateKeyPem, fingerprintSha256, generateKeyPair, signLeaf } from '@certctl/pki';
import { e2ePortOffset } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';

// Discovered certificates over the real gateway: an agent's report (a chain file, a DER file
// the agent sent as PEM, a managed certificate found on disk, garbage), triage (claim by link
// and by import, dismiss) with audit rows, and a network scan of two TLS servers on loopback.

jest.setTimeout(120000);
const run = Date.now().toString(36);
const DAY = 86400;

let ca: CreatedCa;
async function leaf(name: string, days: number) {
  const keys = await generateKeyPair('ECDSA-P256');
  const signed = await signLeaf({
    issuer: ca,
    subjectPublicKey: keys.publicKey,
    commonName: name,
    sans: [name],
    validitySeconds: days * DAY,
  });
  return {
    pem: signed.certificatePem,
    keyPem: await exportPrivateKeyPem(keys.privateKey),
    fingerprint: fingerprintSha256(signed.certificatePem),
  };
}

let agentId: string;
let agentKey: string;
let managed: { id: string; certificate_pem: string };
let chainLeaf: Awaited<ReturnType<typeof leaf>>;
let derLeaf: Awaited<ReturnType<typeof leaf>>;

beforeAll(async () => {
  ca = await createRootCa({ commonName: `Discovery Root ${run}`, keyAlgorithm: 'ECDSA-P256', validityDays: 365 });
  chainLeaf = await leaf(`chain-${run}.example.net`, 200);
  derLeaf = await leaf(`der-${run}.example.net`, 5);
  const reg = await api('POST', '/api/v1/agents', { body: { name: `discovery-${run}`, hostname: 'web-1' } });
  expect(reg.status).toBe(201);
  agentId = reg.body.agent.id;
  agentKey = reg.body.api_key;
  const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`disc-managed-${run}`) });
  expect(created.status).toBe(201);
  managed = await waitFor(
    async () => {
      const c = await api('GET', `/api/v1/certificates/${created.body.id}`);
      return c.body.status === 'active' && c.body.certificate_pem ? c.body : undefined;
    },
    30000,
    'the managed certificate to be issued',
  );
});

const report = () => ({
  scanned_at: new Date().toISOString(),
  directories: ['/etc/ssl', '/etc/nginx'],
  certificates: [
    { path: '/etc/ssl/site-chain.pem', format: 'pem', certificate_pem: chainLeaf.pem },
    { path: '/etc/ssl/site-chain.pem', format: 'pem', certificate_pem: ca.certificatePem },
    { path: '/etc/ssl/legacy.der', format: 'der', certificate_pem: derLeaf.pem },
    { path: '/etc/nginx/managed.pem', format: 'pem', certificate_pem: managed.certificate_pem },
    {
      path: '/etc/ssl/garbage.pem',
      format: 'pem',
      certificate_pem: '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n',
    },
  ],
  errors: [{ path: '/etc/ssl/private', error: 'EACCES: permission denied' }],
});

async function mine(query = '') {
  const r = await api('GET', `/api/v1/discovered-certificates?agent_id=${agentId}&limit=50${query}`);
  expect(r.status).toBe(200);
  return r.body.data as any[];
}
const byPath = (rows: any[], path: string) => rows.filter((row) => row.location === path);

describe('agent discovery reports', () => {
  it('stores exactly the parsable certificates, answers the garbage back, and a repeat only counts sightings', async () => {
    const first = await api('POST', `/api/v1/agents/${agentId}/discoveries`, { key: agentKey, body: report() });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ received: 4, new: 4, rejected: [{ index: 4, path: '/etc/ssl/garbage.pem' }] });

    const rows = await mine();
    expect(rows.map((row) => row.fingerprint_sha256).sort()).toEqual(
      [chainLeaf.fingerprint, fingerprintSha256(ca.certificatePem), derLeaf.fingerprint, fingerprintSha256(managed.certificate_pem)].sort(),
    );
    expect(
      byPath(rows, '/etc/ssl/site-chain.pem')
        .map((row) => [row.is_ca, row.self_signed])
        .sort(),
    ).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(rows.every((row) => row.status === 'unmanaged' && row.source === 'agent' && row.seen_count === 1)).toBe(true);

    const again = await api('POST', `/api/v1/agents/${agentId}/discoveries`, { key: agentKey, body: report() });
    expect(again.body).toMatchObject({ received: 4, new: 0 });
    const after = await mine();
    expect(after).toHaveLength(4);
    expect(after.map((row) => row.seen_count)).toEqual([2, 2, 2, 2]);
    const der = byPath(after, '/etc/ssl/legacy.der')[0];
    expect(Date.parse(der.last_seen_at)).toBeGreaterThan(Date.parse(der.first_seen_at));
  });

  it('filters (q, expiring_within_days, status) and summarizes', async () => {
    expect((await mine(`&q=der-${run}`)).map((row) => row.location)).toEqual(['/etc/ssl/legacy.der']);
    expect((await mine('&expiring_within_days=10')).map((row) => row.location)).toEqual(['/etc/ssl/legacy.der']);
    expect(await mine('&status=dismissed')).toEqual([]);
    const summary = await api('GET', '/api/v1/discovered-certificates/summary');
    expect(summary.status).toBe(200);
    expect(summary.body.by_source.agent).toBeGreaterThanOrEqual(4);
    expect(summary.body.by_status.unmanaged).toBeGreaterThanOrEqual(4);
    expect(summary.body.expiring_within_30_days).toBeGreaterThanOrEqual(1);
    expect(summary.body.total).toBe(Object.values(summary.body.by_status as Record<string, number>).reduce((a, b) => a + b, 0));
  });

  it('refuses another agent’s report route, a bad body, and an unknown id', async () => {
    const other = await api('POST', '/api/v1/agents', { body: { name: `discovery-other-${run}` } });
    expectProblem(await api('POST', `/api/v1/agents/${other.body.agent.id}/discoveries`, { key: agentKey, body: report() }), 403);
    expectProblem(await api('POST', `/api/v1/agents/${agentId}/discoveries`, { key: agentKey, body: { certificates: 'x' } }), 422);
    expectProblem(await api('GET', '/api/v1/discovered-certificates/disc-nope'), 404);
  });
});

describe('triage', () => {
  async function auditRow(action: string, resourceId: string) {
    return waitFor(
      async () => (await api('GET', `/api/v1/audit?action=${action}&resource_id=${resourceId}`)).body.data?.[0],
      30000,
      `audit row ${action} ${resourceId}`,
    );
  }

  it('claims by link (the managed certificate’s own version) and refuses a link to a certificate it is not', async () => {
    const rows = await mine();
    const found = byPath(rows, '/etc/nginx/managed.pem')[0];
    const stranger = byPath(rows, '/etc/ssl/site-chain.pem').find((row) => !row.is_ca);
    const refused = await api('POST', `/api/v1/discovered-certificates/${stranger.id}/claim`, { body: { certificate_id: managed.id } });
    expectProblem(refused, 422);
    expect(refused.body.errors[0].field).toBe('certificate_id');

    const linked = await api('POST', `/api/v1/discovered-certificates/${found.id}/claim`, { body: { certificate_id: managed.id } });
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({
      certificate_id: managed.id,
      discovered: { status: 'managed', managed_certificate_id: managed.id },
    });
    expectProblem(await api('POST', `/api/v1/discovered-certificates/${found.id}/claim`, { body: { certificate_id: managed.id } }), 409);
    expect(await auditRow('discovery.claim', found.id)).toMatchObject({
      actor: expect.any(String),
      resource_type: 'discovered_certificate',
    });
  });

  it('claims by import: the managed certificate appears with the discovered certificate as its version', async () => {
    const found = byPath(await mine(), '/etc/ssl/legacy.der')[0];
    const name = `imported-${run}`;
    const out = await api('POST', `/api/v1/discovered-certificates/${found.id}/claim`, {
      body: { import: { name, team_id: 't-platform' } },
    });
    expect(out.status).toBe(200);
    const cert = await api('GET', `/api/v1/certificates/${out.body.certificate_id}`);
    expect(cert.status).toBe(200);
    expect(cert.body).toMatchObject({ name, common_name: `der-${run}.example.net`, team_id: 't-platform' });
    // it expires within days: the scheduler's renewal loop may already be renewing it
    expect(['active', 'renewal_in_progress']).toContain(cert.body.status);
    const versions = await api('GET', `/api/v1/certificates/${out.body.certificate_id}/versions`);
    expect(JSON.stringify(versions.body)).toContain(derLeaf.fingerprint);
    expect((await api('GET', `/api/v1/discovered-certificates/${found.id}`)).body.status).toBe('managed');
  });

  it('dismisses with a reason (audited); a managed one cannot be dismissed', async () => {
    const rows = await mine();
    const root = byPath(rows, '/etc/ssl/site-chain.pem').find((row) => row.is_ca);
    const dismissed = await api('POST', `/api/v1/discovered-certificates/${root.id}/dismiss`, {
      body: { reason: 'a CA file, not a server certificate' },
    });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', dismiss_reason: 'a CA file, not a server certificate' });
    expect((await mine('&status=dismissed')).map((row) => row.id)).toEqual([root.id]);
    expectProblem(
      await api('POST', `/api/v1/discovered-certificates/${byPath(rows, '/etc/nginx/managed.pem')[0].id}/dismiss`, { body: {} }),
      409,
    );
    expect(await auditRow('discovery.dismiss', root.id)).toMatchObject({ action: 'discovery.dismiss' });
  });
});

describe('network scans', () => {
  const servers: Server[] = [];
  // Below the ephemeral range (32768–60999), so no outgoing connection holds them.
  const basePort = 22000 + Math.floor(e2ePortOffset() / 100);
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  async function tlsServer(port: number, material: { pem: string; keyPem: string }) {
    const server = createServer({ cert: material.pem + ca.certificatePem, key: material.keyPem }, (socket) => socket.end());
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    servers.push(server);
  }

  it('finds the leaves (and chain) of two TLS servers on 127.0.0.1/32 through the scheduler', async () => {
    const first = await leaf(`scan-a-${run}.example.net`, 60);
    const second = await leaf(`scan-b-${run}.example.net`, 60);
    await tlsServer(basePort, first);
    await tlsServer(basePort + 1, second);
    const created = await api('POST', '/api/v1/network-scan-targets', {
      body: {
        name: `loopback-${run}`,
        cidrs: ['127.0.0.1/32'],
        ports: [basePort, basePort + 1],
        interval_seconds: 3600,
        timeout_ms: 2000,
        concurrency: 2,
      },
    });
    expect(created.status).toBe(201);
    const ran = await api('POST', `/api/v1/network-scan-targets/${created.body.id}/run`);
    expect(ran.status).toBe(202);

    const rows = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/discovered-certificates?source=network&q=${encodeURIComponent('127.0.0.1:')}&limit=500`);
        const ours = (r.body.data as any[]).filter((row) => row.source_id === created.body.id);
        return ours.length >= 3 ? ours : undefined;
      },
      30000,
      'the network scan to record both servers',
    );
    const leaves = rows.filter((row) => !row.is_ca).map((row) => [row.location, row.fingerprint_sha256]);
    expect(leaves.sort()).toEqual(
      [
        [`127.0.0.1:${basePort}`, first.fingerprint],
        [`127.0.0.1:${basePort + 1}`, second.fingerprint],
      ].sort(),
    );
    expect(rows.filter((row) => row.is_ca).every((row) => row.fingerprint_sha256 === fingerprintSha256(ca.certificatePem))).toBe(true);
    const target = await waitFor(
      async () => {
        const t = await api('GET', `/api/v1/network-scan-targets/${created.body.id}`);
        return t.body.last_result ? t.body : undefined;
      },
      15000,
      'the scan result on the target',
    );
    expect(target.last_result).toMatchObject({ addresses: 2, handshakes: 2 });
    expect(await api('DELETE', `/api/v1/network-scan-targets/${created.body.id}`)).toMatchObject({ status: 204 });
  });

  it('refuses a range outside the allow-list, or larger than /20, with a 422 naming the field', async () => {
    const outside = await api('POST', '/api/v1/network-scan-targets', {
      body: { name: `outside-${run}`, cidrs: ['192.168.10.0/24'], ports: [443] },
    });
    expectProblem(outside, 422);
    expect(outside.body.errors[0]).toMatchObject({
      field: 'cidrs[0]',
      message: expect.stringContaining('CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS'),
    });
    const huge = await api('POST', '/api/v1/network-scan-targets', { body: { name: `huge-${run}`, cidrs: ['127.0.0.0/8'], ports: [443] } });
    expectProblem(huge, 422);
    expect(huge.body.errors[0].message).toContain('larger than /20');
  });
});
