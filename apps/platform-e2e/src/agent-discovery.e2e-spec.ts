import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintSha256 } from '@certctl/pki';
import { OPENSSL_SUB_CA_EXT, ROOT, type TargetServer, opensslCa, startHaproxy, startNginx } from '@certctl/testing';
import { gatewayUrl, readState } from './e2e-env';
import { api, waitFor } from './http';

// Discovery through the whole platform with real programs: the agent bundle (a child process)
// scans a directory and reports it, a network scan finds the leaves of a real NGINX and a real
// HAProxy on loopback, and a health check sees NGINX serve an old certificate, then the new one.

jest.setTimeout(180000);
const run = Date.now().toString(36);
const AGENT = join(ROOT, 'dist', 'certctl-agent.js'); // the single-file bundle that ships
const work = mkdtempSync(join(tmpdir(), 'certctl-agent-discovery-'));
const pki = join(work, 'pki');
const scanned = join(work, 'scanned');

const LEAF_EXT = 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nsubjectAltName=DNS:localhost';

/** `<name>.pem` and `<name>.key` in the PKI directory, signed by `issuer`. */
function issue(name: string, issuer: string | null, extensions = LEAF_EXT) {
  opensslCa(pki, name, issuer, extensions, { subject: `/CN=${name}-${run}.example.net`, days: 30 });
  const certPem = readFileSync(join(pki, `${name}.pem`), 'utf8');
  return { certPem, keyPem: readFileSync(join(pki, `${name}.key`), 'utf8'), fingerprint: fingerprintSha256(certPem) };
}

/** Runs the agent bundle once (heartbeat, poll, discovery of `directory`) and answers its output. */
function agentOnce(agentId: string, apiKey: string, directory = scanned): Promise<{ code: number | null; output: string }> {
  const home = join(work, 'agent');
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, [AGENT, '--once'], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      CERTCTL_SERVER_URL: gatewayUrl(),
      CERTCTL_AGENT_ALLOW_HTTP: 'true',
      CERTCTL_API_KEY: apiKey,
      CERTCTL_AGENT_ID: agentId,
      CERTCTL_AGENT_KEY_DIR: join(home, 'keys'),
      CERTCTL_AGENT_STATE_DIR: join(home, 'state'),
      CERTCTL_AGENT_DISCOVERY_DIRS: directory,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

/** The agent's `discovery report sent` log line. */
function reportLine(output: string): Record<string, unknown> {
  const line = output.split('\n').find((text) => text.includes('discovery report sent'));
  if (!line) throw new Error(`no discovery report in the agent output:\n${output}`);
  return JSON.parse(line) as Record<string, unknown>;
}

let inter: ReturnType<typeof issue>;
let pemLeaf: ReturnType<typeof issue>;
let derLeaf: ReturnType<typeof issue>;
let chainLeaf: ReturnType<typeof issue>;
let leafA: ReturnType<typeof issue>;
let leafB: ReturnType<typeof issue>;
let leafC: ReturnType<typeof issue>;
const servers: TargetServer[] = [];
let nginx: TargetServer;
let haproxy: TargetServer;

beforeAll(async () => {
  mkdirSync(pki);
  mkdirSync(join(scanned, 'nested'), { recursive: true });
  issue('root', null, 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash');
  inter = issue('inter', 'root', OPENSSL_SUB_CA_EXT);
  [pemLeaf, derLeaf, chainLeaf, leafA, leafB, leafC] = ['pem-leaf', 'der-leaf', 'chain-leaf', 'site-a', 'site-b', 'site-c'].map((name) =>
    issue(name, 'inter'),
  );
  writeFileSync(join(scanned, 'leaf.pem'), pemLeaf.certPem);
  writeFileSync(join(scanned, 'nested', 'server.der'), new X509Certificate(derLeaf.certPem).raw);
  writeFileSync(join(scanned, 'nested', 'chain.pem'), chainLeaf.certPem + inter.certPem);
  writeFileSync(join(scanned, 'server.key'), pemLeaf.keyPem);
  writeFileSync(join(scanned, 'garbage.bin'), Buffer.from([0x30, 0x82, 0x01, 0x00, 1, 2, 3, 4, 5]));
  writeFileSync(join(scanned, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n');
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop().catch(() => undefined)));
  rmSync(work, { recursive: true, force: true });
});

describe('the agent bundle reports a directory', () => {
  let agentId: string;
  let apiKey: string;
  const mine = async (query = '') => {
    const listed = await api('GET', `/api/v1/discovered-certificates?agent_id=${agentId}&limit=50${query}`);
    expect(listed.status).toBe(200);
    return listed.body.data as any[];
  };

  beforeAll(async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `discovering-${run}`, hostname: 'scan-host' } });
    expect(reg.status).toBe(201);
    agentId = reg.body.agent.id;
    apiKey = reg.body.api_key;
  });

  it('lists exactly the certificates of the PEM leaf, the DER file and the chain; the key and the garbage not at all', async () => {
    const first = await agentOnce(agentId, apiKey);
    expect(first.code).toBe(0);
    expect(reportLine(first.output)).toMatchObject({ found: 4, received: 4, new: 4, rejected: 0, requests: 1 });

    const rows = await mine();
    expect(rows.map((row) => row.fingerprint_sha256).sort()).toEqual(
      [pemLeaf.fingerprint, derLeaf.fingerprint, chainLeaf.fingerprint, inter.fingerprint].sort(),
    );
    expect(rows.map((row) => [row.location.slice(scanned.length + 1), row.fingerprint_sha256]).sort()).toEqual(
      [
        ['leaf.pem', pemLeaf.fingerprint],
        ['nested/server.der', derLeaf.fingerprint],
        ['nested/chain.pem', chainLeaf.fingerprint],
        ['nested/chain.pem', inter.fingerprint],
      ].sort(),
    );
    expect(rows.every((row) => row.source === 'agent' && row.status === 'unmanaged' && row.seen_count === 1)).toBe(true);
    expect(rows.find((row) => row.fingerprint_sha256 === inter.fingerprint)).toMatchObject({ is_ca: true, self_signed: false });
  });

  it('a second scan creates nothing new; every sighting is counted', async () => {
    const second = await agentOnce(agentId, apiKey);
    expect(second.code).toBe(0);
    expect(reportLine(second.output)).toMatchObject({ received: 4, new: 0 });
    const rows = await mine();
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => row.seen_count)).toEqual([2, 2, 2, 2]);
  });

  it('one is claimed by import, another dismissed, both audited', async () => {
    const rows = await mine();
    const leafRow = rows.find((row) => row.fingerprint_sha256 === pemLeaf.fingerprint);
    const interRow = rows.find((row) => row.fingerprint_sha256 === inter.fingerprint);
    const claimed = await api('POST', `/api/v1/discovered-certificates/${leafRow.id}/claim`, {
      body: { import: { name: `found-${run}`, team_id: 't-platform' } },
    });
    expect(claimed.status).toBe(200);
    expect(claimed.body.discovered).toMatchObject({ status: 'managed', managed_certificate_id: claimed.body.certificate_id });
    const versions = await api('GET', `/api/v1/certificates/${claimed.body.certificate_id}/versions`);
    expect(JSON.stringify(versions.body)).toContain(pemLeaf.fingerprint);

    const dismissed = await api('POST', `/api/v1/discovered-certificates/${interRow.id}/dismiss`, { body: { reason: 'an intermediate' } });
    expect(dismissed.status).toBe(200);
    expect((await mine('&status=dismissed')).map((row) => row.id)).toEqual([interRow.id]);
    expect((await mine('&status=managed')).map((row) => row.id)).toEqual([leafRow.id]);
    for (const [action, id] of [
      ['discovery.claim', leafRow.id],
      ['discovery.dismiss', interRow.id],
    ]) {
      const audit = await waitFor(
        async () => (await api('GET', `/api/v1/audit?action=${action}&resource_id=${id}`)).body.data?.[0],
        30000,
        `audit row ${action}`,
      );
      expect(audit.actor).toEqual(expect.any(String));
    }
  });
});

describe('a report larger than the gateway accepts in one request', () => {
  it('arrives in several requests (the stack runs the gateway with a 64 KiB CERTCTL_MAX_BODY_BYTES) and every entry is recorded', async () => {
    const many = join(work, 'many');
    const files = 400;
    const bodyLimit = Number(readState().env.CERTCTL_MAX_BODY_BYTES);
    expect(files * pemLeaf.certPem.length).toBeGreaterThan(2 * bodyLimit);
    mkdirSync(many);
    for (let index = 0; index < files; index++) writeFileSync(join(many, `site-${String(index).padStart(4, '0')}.pem`), pemLeaf.certPem);
    const reg = await api('POST', '/api/v1/agents', { body: { name: `discovering-many-${run}`, hostname: 'big-host' } });
    expect(reg.status).toBe(201);
    const out = await agentOnce(reg.body.agent.id, reg.body.api_key, many);
    expect(out).toMatchObject({ code: 0 });
    const line = reportLine(out.output);
    expect(line).toMatchObject({ found: files, received: files, new: files, rejected: 0 });
    expect(line.requests).toBeGreaterThan(1);

    const locations = new Set<string>();
    let cursor = '';
    do {
      const page = await api(
        'GET',
        `/api/v1/discovered-certificates?agent_id=${reg.body.agent.id}&limit=500${cursor && `&cursor=${cursor}`}`,
      );
      expect(page.status).toBe(200);
      for (const row of page.body.data as { location: string; fingerprint_sha256: string }[]) {
        expect(row.fingerprint_sha256).toBe(pemLeaf.fingerprint);
        locations.add(row.location);
      }
      cursor = page.body.next_cursor ?? '';
    } while (cursor);
    expect(locations.size).toBe(files);
  });
});

describe('real TLS servers', () => {
  beforeAll(async () => {
    nginx = await startNginx(leafA);
    servers.push(nginx);
    haproxy = await startHaproxy(leafC);
    servers.push(haproxy);
  });

  it('a network scan of 127.0.0.1/32 finds the leaf of NGINX and the leaf of HAProxy', async () => {
    const created = await api('POST', '/api/v1/network-scan-targets', {
      body: {
        name: `servers-${run}`,
        cidrs: ['127.0.0.1/32'],
        ports: [nginx.port, haproxy.port],
        interval_seconds: 3600,
        timeout_ms: 3000,
      },
    });
    expect(created.status).toBe(201);
    expect((await api('POST', `/api/v1/network-scan-targets/${created.body.id}/run`)).status).toBe(202);
    const leaves = await waitFor(
      async () => {
        const listed = await api('GET', `/api/v1/discovered-certificates?source=network&q=${encodeURIComponent('127.0.0.1:')}&limit=500`);
        const ours = (listed.body.data as any[]).filter((row) => row.source_id === created.body.id && !row.is_ca);
        return ours.length >= 2 ? ours : undefined;
      },
      60000,
      'the network scan to record both servers',
    );
    expect(leaves.map((row) => [row.location, row.fingerprint_sha256]).sort()).toEqual(
      [
        [`127.0.0.1:${nginx.port}`, leafA.fingerprint],
        [`127.0.0.1:${haproxy.port}`, leafC.fingerprint],
      ].sort(),
    );
    expect(await api('DELETE', `/api/v1/network-scan-targets/${created.body.id}`)).toMatchObject({ status: 204 });
  });

  it('a health check expecting leaf B sees NGINX still on leaf A (cert_mismatch), then healthy once NGINX is given leaf B', async () => {
    const created = await api('POST', '/api/v1/health-checks', {
      body: {
        name: `nginx-${run}`,
        host: '127.0.0.1',
        port: nginx.port,
        sni: 'localhost',
        expected_fingerprint: leafB.fingerprint,
        interval_seconds: 60,
        timeout_ms: 3000,
        enabled: false,
      },
    });
    expect(created.status).toBe(201);
    const probe = async () => {
      const checked = await api('POST', `/api/v1/health-checks/${created.body.id}/check`);
      expect(checked.status).toBe(200);
      return checked.body.check as { status: string; served_fingerprint: string };
    };
    expect(await probe()).toMatchObject({ status: 'cert_mismatch', served_fingerprint: leafA.fingerprint });

    const config = nginx.targetConfig as { cert_path: string; key_path: string; reload_command: string[] };
    writeFileSync(config.cert_path, leafB.certPem);
    writeFileSync(config.key_path, leafB.keyPem);
    const reload = spawn(config.reload_command[0], config.reload_command.slice(1), { stdio: 'ignore' });
    expect(await new Promise((resolve) => reload.on('close', resolve))).toBe(0);
    const healthy = await waitFor(
      async () => {
        const check = await probe();
        return check.status === 'healthy' ? check : undefined;
      },
      30000,
      'the health check to see leaf B',
    );
    expect(healthy.served_fingerprint).toBe(leafB.fingerprint);
    expect(await api('DELETE', `/api/v1/health-checks/${created.body.id}`)).toMatchObject({ status: 204 });
  });
});
