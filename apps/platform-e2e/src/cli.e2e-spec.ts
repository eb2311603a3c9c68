import { execFile, spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, opensslCa } from '@certctl/testing';
import { parse as parseYaml } from 'yaml';
import { E2E_DIR, gatewayUrl, readState } from './e2e-env';
import { api, auditRows, validCertificate, waitFor } from './http';
import { restartService, waitGone } from './restart';

/**
 * The built `certctl` (dist/apps/cli/main.js, what `npx certctl` runs) as a child process
 * against the e2e stack: output formats, exit statuses, bulk renewal progress, and the audit
 * trail its actions leave under its own key.
 */
const CLI = join(ROOT, 'dist', 'apps', 'cli', 'main.js');
const SEVEN_SERVICES = ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications'];
const suffix = Date.now().toString(36);
const principal = `cli-e2e-${suffix}`;
let cliKey = '';
let dir = '';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs certctl with `args`; the key travels in CERTCTL_API_KEY (never argv) unless `env` says otherwise. */
function certctl(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', CERTCTL_SERVER_URL: gatewayUrl(), CERTCTL_API_KEY: cliKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function json(args: string[]): Promise<any> {
  const run = await certctl([...args, '--format', 'json']);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  return JSON.parse(run.stdout);
}

/** An openssl CA (ca.pem, ca.key) in `work` and leaves it signs (<name>.pem, <name>.key; EC P-256 unless `key` says otherwise). */
function opensslLeaves(work: string, caSubject: string, domain: string, leaves: { name: string; key?: string[] }[]): void {
  opensslCa(work, 'ca', null, 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign', { subject: caSubject });
  for (const { name, key } of leaves)
    opensslCa(work, name, 'ca', `basicConstraints=CA:false\nsubjectAltName=DNS:${name}.${domain}`, {
      subject: `/CN=${name}.${domain}`,
      days: 10,
      key,
    });
}

/** A PKCS#12 file `out` of <name>.pem, <name>.key and ca.pem in `work`, made by openssl with `password`. */
async function opensslPkcs12(work: string, name: string, password: string, out: string): Promise<void> {
  const args = ['pkcs12', '-export', '-in', `${name}.pem`, '-inkey', `${name}.key`, '-certfile', 'ca.pem', '-passout', `pass:${password}`];
  await promisify(execFile)('openssl', [...args, '-out', out], { cwd: work });
}

/** A certificate whose profile requires approval, and its issuance job awaiting approval (listed through the CLI). */
async function jobAwaitingApproval(name: string): Promise<{ certificateId: string; jobId: string }> {
  const profile = await api('POST', '/api/v1/profiles', { body: { name, requires_approval: true } });
  expect(profile.status).toBe(201);
  const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(name), profile_id: profile.body.id } });
  expect(cert.status).toBe(201);
  const waiting = await waitFor(
    async () => {
      const page = await json(['jobs', 'list', '--certificate', cert.body.id, '--status', 'awaiting_approval']);
      return page.data.length ? page.data : undefined;
    },
    30000,
    'the job awaiting approval',
    500,
  );
  return { certificateId: cert.body.id, jobId: waiting[0].id };
}

const isActive = async (id: string) => ((await api('GET', `/api/v1/certificates/${id}`)).body.status === 'active' ? true : undefined);

describe('certctl CLI against the running stack', () => {
  beforeAll(async () => {
    const created = await api('POST', '/api/v1/api-keys', { body: { name: principal, principal, role: 'admin' } });
    expect(created.status).toBe(201);
    cliKey = created.body.key;
    dir = mkdtempSync(join(tmpdir(), 'certctl-cli-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('certs create → list (table, json) → get → renew → export PEM → revoke with a reason', async () => {
    const name = `cli-cert-${suffix}`;
    const base = validCertificate(name);
    const created = await json([
      'certs',
      'create',
      '--name',
      name,
      '--cn',
      base.common_name,
      '--san',
      base.sans[0],
      '--issuer',
      base.issuer_id,
      '--owner',
      base.owner_id,
      '--team',
      base.team_id,
      '--policy',
      base.renewal_policy_id,
    ]);
    expect(created).toMatchObject({ name, common_name: base.common_name, issuer_id: 'iss-local' });
    await waitFor(() => isActive(created.id), 60000, 'the certificate to be issued');

    const table = await certctl(['certs', 'list', '--text', name]);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+COMMON NAME\s+STATUS\s+ISSUER\s+OWNER\s+TEAM\s+EXPIRES$/);
    expect(row.indexOf(name)).toBe(header.indexOf('NAME')); // aligned columns
    expect(row).toContain('active');
    const listed = await json(['certs', 'list', '--text', name, '--status', 'active']);
    expect(listed.data.map((c: any) => c.id)).toEqual([created.id]);
    expect(Object.keys(listed)).toEqual(expect.arrayContaining(['data', 'next_cursor']));

    expect(await json(['certs', 'get', created.id])).toMatchObject({ id: created.id, status: 'active', common_name: base.common_name });
    const before = (await api('GET', `/api/v1/certificates/${created.id}`)).body.serial_number;
    const renewed = await json(['certs', 'renew', created.id, '--wait']);
    expect(renewed).toMatchObject({ certificate_id: created.id, status: 'completed' });
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${created.id}`)).body.serial_number !== before ? true : undefined),
      30000,
      'the new serial',
    );

    const pemFile = join(dir, 'leaf.pem');
    const exported = await certctl(['certs', 'export', created.id, '--part', 'leaf', '--out', pemFile]);
    expect(exported.code).toBe(0);
    const { stdout: subject } = await promisify(execFile)('openssl', ['x509', '-in', pemFile, '-noout', '-subject', '-serial']);
    expect(subject).toMatch(new RegExp(`CN ?= ?${base.common_name.replace(/\./g, '\\.')}`));
    const fullchain = await certctl(['certs', 'export', created.id]);
    expect(fullchain.stdout.match(/-----BEGIN CERTIFICATE-----/g)!.length).toBeGreaterThanOrEqual(2);

    const revoked = await json(['certs', 'revoke', created.id, '--reason', 'keyCompromise']);
    expect(revoked).toMatchObject({ certificate_id: created.id, reason: 'keyCompromise', actor: principal });
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${created.id}`)).body.status === 'revoked' ? true : undefined),
      30000,
      'revoked status',
    );

    // The audit log shows the CLI's actions under its key's principal.
    const wanted = ['certificate.create', 'certificate.renew', 'certificate.revoke'];
    const audit = await waitFor(
      async () => {
        const page = await json(['audit', 'list', '--actor', principal, '--all']);
        const actions = page.data.filter((row: any) => row.resource_id === created.id).map((row: any) => row.action);
        return wanted.every((action) => actions.includes(action)) ? actions : undefined;
      },
      20000,
      'the audit rows of the CLI key',
      500,
    );
    expect(audit).toEqual(expect.arrayContaining(wanted));
  }, 180000);

  it('bulk-renew of 20 certificates from a file: plain progress lines when not a terminal, then the summary', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`cli-bulk-${suffix}-${index}`) });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    for (const id of ids) await waitFor(() => isActive(id), 90000, `certificate ${id} to be issued`);
    const idFile = join(dir, 'ids.txt');
    writeFileSync(idFile, `# bulk renewal\n${ids.join('\n')}\n`);

    const run = await certctl(['certs', 'bulk-renew', '--file', idFile]);
    // The session as a terminal shows it (stderr, then stdout), kept for docs/cli.md's recording.
    writeFileSync(join(E2E_DIR, 'cli-bulk-renew.txt'), `$ certctl certs bulk-renew --file ids.txt\n${run.stderr}${run.stdout}`);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toBe('queued 20 of 20 renewals (0 skipped)');
    const progress = lines.filter((line) => line.startsWith('renewing: '));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[progress.length - 2]).not.toMatch(/^renewing: 20\/20/); // the final counts once
    for (const line of progress) expect(line).toMatch(/^renewing: \d+\/20 \(\d+ ok, \d+ failed\) \d+\.\d\/s ETA (\?|\d+m?\d*s)$/);
    expect(progress[progress.length - 1]).toMatch(/^renewing: 20\/20 \(20 ok, 0 failed\)/);
    expect(run.stderr).not.toContain('\r'); // no bar redraws outside a terminal
    expect(run.stdout).toBe('requested 20, queued 20, renewed 20, failed 0, skipped 0\n');
  }, 240000);

  it('jobs list/approve: an issuance awaiting approval is approved by the CLI key and completes', async () => {
    const { jobId } = await jobAwaitingApproval(`cli-approve-${suffix}`);
    const approved = await json(['jobs', 'approve', jobId, '--reason', 'change CHG-42']);
    expect(approved).toMatchObject({ id: jobId, decided_by: principal });
    await waitFor(
      async () => ((await json(['jobs', 'get', jobId])).status === 'completed' ? true : undefined),
      60000,
      'the approved job',
      500,
    );
  }, 120000);

  it('keys create/list/disable, acme eab create/list/delete', async () => {
    const key = await json(['keys', 'create', '--name', `cli-key-${suffix}`, '--role', 'viewer']);
    expect(key).toMatchObject({ name: `cli-key-${suffix}`, role: 'viewer', status: 'active', key: expect.any(String) });
    expect((await json(['keys', 'list', '--role', 'viewer', '--all'])).data.map((k: any) => k.id)).toContain(key.id);
    expect(await json(['keys', 'disable', key.id])).toMatchObject({ id: key.id, status: 'disabled' });
    const refused = await certctl(['certs', 'list'], { CERTCTL_API_KEY: key.key });
    expect(refused.code).toBe(3);

    const profile = await api('POST', '/api/v1/profiles', { body: { name: `cli-eab-${suffix}`, acme_eab_required: true } });
    expect(profile.status).toBe(201);
    const eab = await json(['acme', 'eab', 'create', '--profile', profile.body.id, '--description', 'cli test']);
    expect(eab).toMatchObject({ profile_id: profile.body.id, description: 'cli test', hmac_key: expect.any(String) });
    expect((await json(['acme', 'eab', 'list'])).data.map((k: any) => k.id)).toContain(eab.id);
    expect((await certctl(['acme', 'eab', 'delete', eab.id])).code).toBe(0);
    expect((await json(['acme', 'eab', 'list'])).data.map((k: any) => k.id)).not.toContain(eab.id);
  }, 60000);

  it("status shows every service's readiness and the counts; version; --format yaml parses", async () => {
    const status = await certctl(['status']);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(/^SERVICE\s+READY\s+STATUS\s+LATENCY MS\s+DETAIL$/m);
    for (const service of SEVEN_SERVICES) expect(status.stdout).toMatch(new RegExp(`^${service}\\s+true\\s+ready\\s+\\d+\\s+-$`, 'm'));
    expect(status.stdout).toMatch(/^certificates\s+\d+$/m);
    const doc = parseYaml((await certctl(['status', '--format', 'yaml'])).stdout);
    expect(doc).toMatchObject({ ready: true, summary: { certificates: { total: expect.any(Number) } } });
    expect(doc.services.map((s: any) => [s.service, s.ready, s.checks.nats])).toEqual(SEVEN_SERVICES.map((name) => [name, true, 'ok']));
    expect(await json(['version'])).toMatchObject({ client: { name: 'certctl' }, server: { name: 'certctl-ts' } });
    const issuers = parseYaml((await certctl(['issuers', 'list', '--format', 'yaml'])).stdout);
    expect(issuers.data.map((issuer: any) => issuer.id)).toContain('iss-local');
  });

  it('status with the scheduler stopped: its row is unreachable, the others ready, exit 6; ready again once restarted', async () => {
    const { pids } = readState();
    process.kill(pids.scheduler!, 'SIGTERM');
    await waitGone(pids.scheduler!);
    try {
      const down = await certctl(['status']);
      expect(down).toMatchObject({ code: 6, stderr: 'Not ready: scheduler\n' });
      expect(down.stdout).toMatch(/^server .+: NOT READY$/m);
      expect(down.stdout).toMatch(/^scheduler\s+false\s+unreachable\s+\d+\s+no answer \(connection failed\)$/m);
      expect(down.stdout).toMatch(/^inventory\s+true\s+ready\b/m);
      const doc = JSON.parse((await certctl(['status', '--format', 'json'])).stdout);
      expect(doc.ready).toBe(false);
      expect(doc.services.filter((s: any) => !s.ready).map((s: any) => s.service)).toEqual(['scheduler']);
    } finally {
      await restartService('scheduler');
    }
    expect(await certctl(['status', '--quiet'])).toMatchObject({ code: 0, stderr: '' });
  }, 120000);

  it('a wrong key exits 3, an unknown id 4, a usage error 2 — each with one line on stderr', async () => {
    const wrong = await certctl(['certs', 'list'], { CERTCTL_API_KEY: 'not-a-key' });
    expect(wrong).toMatchObject({ code: 3, stdout: '' });
    expect(wrong.stderr).toMatch(/^Unauthorized: .+\n$/);
    const missing = await certctl(['certs', 'get', `nope-${suffix}`]);
    expect(missing).toMatchObject({ code: 4, stdout: '' });
    expect(missing.stderr).toMatch(/^Not found: .+\n$/);
    const usage = await certctl(['certs', 'revoke', 'x', '--reason', 'bored']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('jobs cancel: a job awaiting approval is cancelled by the CLI key (audited), its certificate fails; again is exit 5', async () => {
    const { certificateId, jobId } = await jobAwaitingApproval(`cli-cancel-${suffix}`);
    const cancelled = await json(['jobs', 'cancel', jobId, '--reason', 'requested by mistake']);
    expect(cancelled).toMatchObject({ id: jobId, status: 'cancelled', decided_by: principal });
    expect((await api('GET', `/api/v1/certificates/${certificateId}`)).body.status).toBe('failed');
    const [row] = await auditRows('job.cancel', jobId);
    expect(row).toMatchObject({ actor: principal, status: 200 });

    const again = await certctl(['jobs', 'cancel', jobId]);
    expect(again).toMatchObject({ code: 5, stdout: '' });
    expect(again.stderr).toMatch(
      new RegExp(`^.+: job ${jobId} is cancelled; only a pending, awaiting_approval, awaiting_csr or awaiting_ca job can be cancelled\\n$`),
    );
  }, 90000);

  it('certs import: a PEM bundle, a directory and a PKCS#12 made with openssl; again is "already managed"; a bad file exits 1', async () => {
    const work = join(dir, 'import');
    const tree = join(work, 'tree', 'nested');
    mkdirSync(tree, { recursive: true });
    opensslLeaves(work, `/CN=Import CA ${suffix}`, 'import.example', [
      { name: `bundle-${suffix}` },
      { name: `dir-${suffix}` },
      { name: `p12-${suffix}` },
    ]);
    const read = (file: string) => readFileSync(join(work, file), 'utf8');
    writeFileSync(join(work, 'bundle.pem'), `${read(`bundle-${suffix}.pem`)}${read('ca.pem')}${read(`bundle-${suffix}.key`)}`);
    writeFileSync(join(tree, 'server.crt'), read(`dir-${suffix}.pem`));
    writeFileSync(join(work, 'tree', 'ca-only.pem'), read('ca.pem'));
    writeFileSync(join(work, 'p12-password'), 'p12-secret\n');
    await opensslPkcs12(work, `p12-${suffix}`, 'p12-secret', 'store.p12');

    const paths = [join(work, 'bundle.pem'), join(work, 'tree'), join(work, 'store.p12')];
    const first = await certctl(['certs', 'import', ...paths, '--password-file', join(work, 'p12-password'), '--format', 'json']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: 'imported 3, already managed 0, skipped 1, failed 0\n' });
    const results = JSON.parse(first.stdout).data as { file: string; result: string; certificate_id: string | null; detail: string }[];
    expect(results.map((row) => [row.file.slice(work.length + 1), row.result])).toEqual([
      ['bundle.pem', 'imported'],
      ['tree/ca-only.pem', 'skipped'],
      ['tree/nested/server.crt', 'imported'],
      ['store.p12', 'imported'],
    ]);
    expect(results[0].detail).toContain('private key was not uploaded');
    for (const [row, name, chained] of [
      [results[0], `bundle-${suffix}`, true],
      [results[2], `dir-${suffix}`, false], // a file with the leaf only
      [results[3], `p12-${suffix}`, true],
    ] as const) {
      const cert = (await api('GET', `/api/v1/certificates/${row.certificate_id}`)).body;
      expect(cert).toMatchObject({
        common_name: `${name}.import.example`,
        status: 'active',
        source: 'import',
        certificate_pem: read(`${name}.pem`),
      });
      expect(cert.chain_pem.replace(/\s/g, '')).toBe(chained ? read('ca.pem').replace(/\s/g, '') : '');
      const [audit] = await auditRows('certificate.import', row.certificate_id!);
      expect(audit).toMatchObject({ actor: principal, status: 201 });
    }

    const again = await certctl(['certs', 'import', join(work, 'bundle.pem')]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`bundle\\.pem\\s+already_managed\\s+${results[0].certificate_id}\\s+already managed`));

    writeFileSync(join(work, 'broken.pem'), 'not a certificate');
    const broken = await certctl(['certs', 'import', join(work, 'broken.pem'), join(work, 'store.p12')]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/broken\.pem\s+failed/);
    expect(broken.stdout).toMatch(/store\.p12\s+failed\s+-\s+cannot open the PKCS#12 file/);
    expect(broken.stderr).toContain('2 of 2 files failed to import');
  }, 120000);

  it('certs import --with-key: the key is kept server-side and downloads as the same key (PEM and PKCS#12); a mismatched key is refused (422), a wrong PKCS#12 password fails readably', async () => {
    const work = join(dir, 'import-keys');
    mkdirSync(work, { recursive: true });
    opensslLeaves(work, `/CN=Key CA ${suffix}`, 'keys.example', [
      { name: `pem-${suffix}` },
      { name: `p12-${suffix}`, key: ['-newkey', 'rsa:2048'] },
      { name: `other-${suffix}` },
    ]);
    const read = (file: string) => readFileSync(join(work, file), 'utf8');
    writeFileSync(join(work, 'with-key.pem'), `${read(`pem-${suffix}.pem`)}${read('ca.pem')}${read(`pem-${suffix}.key`)}`);
    writeFileSync(join(work, 'mismatch.pem'), `${read(`other-${suffix}.pem`)}${read(`pem-${suffix}.key`)}`);
    writeFileSync(join(work, 'right'), 'p12-right\n');
    writeFileSync(join(work, 'wrong'), 'not-the-password\n');
    await opensslPkcs12(work, `p12-${suffix}`, 'p12-right', 'k.p12');
    const spki = (keyPem: string) => createPublicKey(keyPem).export({ type: 'spki', format: 'der' }).toString('base64');

    for (const [file, name, passwordFile] of [
      ['with-key.pem', `pem-${suffix}`, undefined],
      ['k.p12', `p12-${suffix}`, 'right'],
    ] as const) {
      const passwordArgs = passwordFile ? ['--password-file', join(work, passwordFile)] : [];
      const run = await certctl(['certs', 'import', join(work, file), '--with-key', ...passwordArgs, '--format', 'json']);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: 'imported 1, already managed 0, skipped 0, failed 0\n' });
      const [row] = JSON.parse(run.stdout).data;
      expect(row).toMatchObject({ result: 'imported', detail: expect.stringContaining('private key is stored encrypted on the server') });
      const cert = (await api('GET', `/api/v1/certificates/${row.certificate_id}`)).body;
      expect(cert.current_version.key_source).toBe('server');
      const download = await api('GET', `/api/v1/certificates/${row.certificate_id}/private-key`);
      expect(download.status).toBe(200);
      expect(download.text).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(spki(download.text)).toBe(spki(read(`${name}.key`)));
      // The key never reaches the audit trail (no body hash either: it is a secret body).
      const [audit] = await auditRows('certificate.import', row.certificate_id);
      expect(audit).toMatchObject({ actor: principal, status: 201, body_sha256: null });
      expect(JSON.stringify(audit)).not.toContain(read(`${name}.key`).split('\n')[1]);
    }

    const mismatch = await certctl(['certs', 'import', join(work, 'mismatch.pem'), '--with-key']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toMatch(/mismatch\.pem\s+failed\s+-\s+.*private_key_pem.*does not match the certificate's public key/);
    expect(mismatch.stderr).toBe('imported 0, already managed 0, skipped 0, failed 1\n1 of 1 files failed to import\n');
    const listed = await api('GET', `/api/v1/certificates?q=${encodeURIComponent(`other-${suffix}`)}`);
    expect(listed.body.data).toEqual([]); // nothing was created for it

    const wrong = await certctl(['certs', 'import', join(work, 'k.p12'), '--with-key', '--password-file', join(work, 'wrong')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/k\.p12\s+failed\s+-\s+cannot open the PKCS#12 file: .*password/i);
    expect(wrong.stdout.trim().split('\n')).toHaveLength(2); // the header and one line for the file
  }, 120000);
});
