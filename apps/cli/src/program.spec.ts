import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootCa, generateKeyPair, signLeaf } from '@certctl/pki';
import type { TransportRequest, TransportResponse } from '@certctl/api-client';
import type { CliDeps } from './context';
import { buildProgram, run } from './program';

/** Runs certctl against a fake gateway; returns the exit status, stdout, stderr and the requests made. */
async function cli(argv: string[], answer: (req: TransportRequest, url: URL) => unknown = () => ({}), extra: Partial<CliDeps> = {}) {
  let stdout = '';
  let stderr = '';
  const requests: TransportRequest[] = [];
  const deps: CliDeps = {
    env: { CERTCTL_API_KEY: 'test-key-0123456789abcdef' },
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    errIsTty: false,
    onInterrupt: () => () => undefined,
    transport: async (req): Promise<TransportResponse> => {
      requests.push(req);
      const doc = answer(req, new URL(req.url));
      if (doc && typeof doc === 'object' && 'problemStatus' in doc) {
        const { problemStatus, ...problem } = doc as { problemStatus: number };
        return { status: problemStatus, contentType: 'application/problem+json', text: JSON.stringify(problem) };
      }
      return { status: 200, contentType: 'application/json', text: JSON.stringify(doc) };
    },
    ...extra,
  };
  const code = await run(argv, deps);
  return { code, stdout, stderr, requests };
}

describe('certctl argument parsing', () => {
  it.each([
    [['certs', 'frobnicate'], /unknown command 'frobnicate'/],
    [['certs', 'list', '--status', 'shiny'], /argument 'shiny' is invalid/],
    [['certs', 'list', '--limit', '0'], /expected a positive integer/],
    [['certs', 'get'], /missing required argument 'id'/],
    [['certs', 'create', '--name', 'x'], /required option '--cn <commonName>' not specified/],
    [['--format', 'xml', 'status'], /argument 'xml' is invalid/],
    [['certs', 'list', '--bogus'], /unknown option '--bogus'/],
    [['completion', 'powershell'], /value 'powershell' is invalid for argument 'shell'/],
  ])('%j → exit 2 with one line on stderr and no request', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.requests).toEqual([]);
  });

  it('bulk-renew with neither ids nor a filter is a usage error', async () => {
    const result = await cli(['certs', 'bulk-renew']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 2,
      stderr: 'bulk-renew needs --id, --file or a filter (--status, --issuer, …)\n',
    });
  });

  it('--help exits 0 and lists the command groups', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const group of [
      'certs',
      'jobs',
      'issuers',
      'agents',
      'notifications',
      'keys',
      'acme',
      'audit',
      'discovered',
      'status',
      'version',
      'completion',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    }
  });

  it('a problem from the server is one line and the exit status of its kind', async () => {
    const result = await cli(['certs', 'get', 'nope'], () => ({
      problemStatus: 404,
      type: 'urn:certctl:error:not_found',
      title: 'Not found',
      detail: 'no certificate nope',
    }));
    expect(result).toMatchObject({ code: 4, stdout: '', stderr: 'Not found: no certificate nope\n' });
  });
});

describe('certctl commands against a fake gateway', () => {
  it('certs list maps the filters to the API query and --all walks the cursor', async () => {
    const result = await cli(
      ['certs', 'list', '--status', 'active', '--issuer', 'iss-1', '--team', 't-1', '--text', 'api', '--all', '--format', 'json'],
      (_req, url) =>
        url.searchParams.get('cursor') ? { data: [{ id: 'b' }], next_cursor: null } : { data: [{ id: 'a' }], next_cursor: 'n1' },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ data: [{ id: 'a' }, { id: 'b' }], next_cursor: null });
    const first = new URL(result.requests[0].url);
    expect(Object.fromEntries(first.searchParams)).toEqual({ status: 'active', issuer_id: 'iss-1', team_id: 't-1', q: 'api' });
  });

  it('--expiring-within becomes expires_before that many days from now', async () => {
    const result = await cli(['certs', 'list', '--expiring-within', '30'], () => ({ data: [] }));
    const before = new Date(new URL(result.requests[0].url).searchParams.get('expires_before')!).getTime();
    expect(Math.abs(before - (Date.now() + 30 * 86400000))).toBeLessThan(60000);
  });

  it('bulk-renew: queues by id, polls each job to its end with progress lines, prints the summary', async () => {
    let polls = 0;
    const result = await cli(['certs', 'bulk-renew', '--id', 'c1', '--id', 'c2'], (req, url) => {
      if (url.pathname === '/api/v1/certificates/bulk-renew') {
        expect(JSON.parse(req.body!)).toEqual({ ids: ['c1', 'c2'] });
        return {
          requested: 2,
          queued: 2,
          skipped: [],
          jobs: [
            { certificate_id: 'c1', job_id: 'j1' },
            { certificate_id: 'c2', job_id: 'j2' },
          ],
        };
      }
      polls++;
      return { id: url.pathname.split('/').pop(), status: url.pathname.endsWith('j2') && polls < 3 ? 'running' : 'completed' };
    });
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe('queued 2 of 2 renewals (0 skipped)');
    expect(result.stderr).toMatch(/^renewing: 2\/2 \(2 ok, 0 failed\)/m);
    expect(result.stdout).toBe('requested 2, queued 2, renewed 2, failed 0, skipped 0\n');
  });

  it('Ctrl-C while a bulk renewal runs stops waiting, cancels nothing and says how to watch', async () => {
    let interrupt: () => void = () => undefined;
    const result = await cli(
      ['certs', 'bulk-renew', '--status', 'expiring'],
      (_req, url) => {
        if (url.pathname.endsWith('bulk-renew'))
          return { requested: 1, queued: 1, skipped: [], jobs: [{ certificate_id: 'c1', job_id: 'j1' }] };
        setTimeout(() => interrupt(), 10);
        return { id: 'j1', status: 'running' };
      },
      { onInterrupt: (handler) => ((interrupt = handler), () => undefined) },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'Stopped waiting; nothing was cancelled, the server keeps going. Watch it with: certctl jobs list --type renewal --status running',
    );
    expect(result.requests.map((req) => req.method)).not.toContain('DELETE');
    const posts = result.requests.filter((req) => req.method === 'POST').map((req) => new URL(req.url).pathname);
    expect(posts).toEqual(['/api/v1/certificates/bulk-renew']);
  });

  it('--verbose shows each request with the key masked', async () => {
    const result = await cli(['--verbose', 'certs', 'get', 'c1'], () => ({ id: 'c1' }));
    expect(result.stderr).toContain('> GET http://127.0.0.1:8080/api/v1/certificates/c1 (api key ');
    expect(result.stderr).not.toContain('test-key-0123456789abcdef');
  });
});

describe('certctl: import, cancel, discovered against a fake gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-cli-import-'));
  let leafPem = '';
  let otherPem = '';
  beforeAll(async () => {
    const ca = await createRootCa({ commonName: 'CLI Import Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
    const sign = async (name: string) =>
      (
        await signLeaf({
          issuer: ca,
          subjectPublicKey: (await generateKeyPair('ECDSA-P256')).publicKey,
          commonName: name,
          sans: [name],
          validityDays: 5,
        })
      ).certificatePem;
    leafPem = await sign('one.example.com');
    otherPem = await sign('two.example.com');
    writeFileSync(join(dir, 'a.pem'), `${leafPem}${ca.certificatePem}`);
    writeFileSync(join(dir, 'b.crt'), otherPem);
    writeFileSync(join(dir, 'ca.pem'), ca.certificatePem);
    writeFileSync(join(dir, 'z.pem'), 'not pem');
  });

  it('certs import: per file imported / already managed / skipped / failed, and exit 1 because one failed', async () => {
    const result = await cli(['certs', 'import', dir, '--owner', 'o-1', '--format', 'json'], (req) => {
      const body = JSON.parse(req.body!);
      expect(body).toMatchObject({ owner_id: 'o-1', certificate_pem: expect.stringContaining('BEGIN CERTIFICATE') });
      if (body.certificate_pem === otherPem)
        return {
          problemStatus: 409,
          type: 'urn:certctl:error:conflict',
          title: 'Conflict',
          detail: 'certificate ab12 is already managed (certificate crt-9)',
        };
      return { certificate: { id: 'crt-new', name: 'imported-one' }, fingerprint_sha256: 'ff' };
    });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(
      doc.data.map((row: { file: string; result: string; certificate_id: string | null }) => [
        row.file.slice(dir.length + 1),
        row.result,
        row.certificate_id,
      ]),
    ).toEqual([
      ['a.pem', 'imported', 'crt-new'],
      ['b.crt', 'already_managed', 'crt-9'],
      ['ca.pem', 'skipped', null],
      ['z.pem', 'failed', null],
    ]);
    expect(doc.summary).toEqual({ imported: 1, already_managed: 1, skipped: 1, failed: 1 });
    expect(result.requests.map((req) => new URL(req.url).pathname)).toEqual(['/api/v1/certificates/import', '/api/v1/certificates/import']);
    expect(JSON.parse(result.requests[0].body!).chain_pem).toContain('BEGIN CERTIFICATE');
    expect(result.stderr).toBe('imported 1, already managed 1, skipped 1, failed 1\n1 of 4 files failed to import\n');
  });

  it('certs import of a missing path is a usage error without a request', async () => {
    const result = await cli(['certs', 'import', join(dir, 'nope')]);
    expect(result).toMatchObject({ code: 2, requests: [] });
  });

  it('jobs cancel posts the reason to the cancel route', async () => {
    const result = await cli(['jobs', 'cancel', 'job-1', '--reason', 'typo'], () => ({ id: 'job-1', status: 'cancelled' }));
    expect(result.code).toBe(0);
    expect(result.requests[0]).toMatchObject({
      method: 'POST',
      url: 'http://127.0.0.1:8080/api/v1/jobs/job-1/cancel',
      body: '{"reason":"typo"}',
    });
  });

  it('discovered list filters, claim by link or import, dismiss with a reason', async () => {
    const seen = await Promise.all([
      cli(['discovered', 'list', '--status', 'unmanaged', '--agent', 'ag-1', '--text', 'web'], () => ({ data: [] })),
      cli(['discovered', 'claim', 'disc-1', '--certificate', 'crt-1'], () => ({})),
      cli(['discovered', 'claim', 'disc-2', '--name', 'web', '--owner', 'o-1'], () => ({})),
      cli(['discovered', 'dismiss', 'disc-3', '--reason', 'vendor appliance'], () => ({})),
    ]);
    expect(seen.map((run) => run.code)).toEqual([0, 0, 0, 0]);
    const [list, link, imported, dismiss] = seen.map((run) => run.requests[0]);
    expect(Object.fromEntries(new URL(list.url).searchParams)).toEqual({ status: 'unmanaged', agent_id: 'ag-1', q: 'web' });
    expect([link.url, JSON.parse(link.body!)]).toEqual([
      'http://127.0.0.1:8080/api/v1/discovered-certificates/disc-1/claim',
      { certificate_id: 'crt-1' },
    ]);
    expect(JSON.parse(imported.body!)).toEqual({ import: { name: 'web', owner_id: 'o-1' } });
    expect([dismiss.url, JSON.parse(dismiss.body!)]).toEqual([
      'http://127.0.0.1:8080/api/v1/discovered-certificates/disc-3/dismiss',
      { reason: 'vendor appliance' },
    ]);
  });
});

describe('certctl completion', () => {
  const program = buildProgram({
    env: {},
    out: () => undefined,
    err: () => undefined,
    errIsTty: false,
    onInterrupt: () => () => undefined,
  });

  it.each(['bash', 'zsh', 'fish'])('%s: the script knows every command, subcommand and option', async (shell) => {
    const result = await cli(['completion', shell]);
    expect(result.code).toBe(0);
    for (const group of program.commands) {
      expect(result.stdout).toContain(group.name());
      for (const sub of group.commands) expect(result.stdout).toContain(sub.name());
    }
    for (const flag of ['--expiring-within', '--api-key-file', '--reason', 'bulk-renew', 'eab'])
      expect(result.stdout).toContain(flag.replace(/^--/, shell === 'fish' ? '-l ' : '--'));
  });

  it('bash: the words after `certs` are its subcommands', async () => {
    const result = await cli(['completion', 'bash']);
    expect(result.stdout).toMatch(
      /"certs"\) echo "list get create renew revoke export bulk-renew bulk-revoke bulk-revoke-status import --help" ;;/,
    );
    expect(result.stdout).toContain('complete -F _certctl certctl');
  });
});

describe('certctl status', () => {
  const service = (name: string, ready: boolean) => ({
    service: name,
    ready,
    status: ready ? 'ready' : 'unreachable',
    checks: {},
    latency_ms: 3,
    detail: ready ? null : 'no answer (connection failed)',
  });
  const answer =
    (down: string[], summary: unknown = { certificates: { total: 4, by_status: { active: 4 } } }) =>
    (_req: TransportRequest, url: URL) => {
      if (url.pathname === '/api/v1/version') return { name: 'certctl-ts', version: '1.2.3' };
      if (url.pathname === '/api/v1/stats/summary') return summary;
      const names = ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications'];
      return {
        ready: down.length === 0,
        checked_at: '2026-01-01T00:00:00.000Z',
        services: names.map((n) => service(n, !down.includes(n))),
      };
    };

  it('prints one row per service from GET /api/v1/system/readiness, then the counts; exit 0 when all are ready', async () => {
    const result = await cli(['status'], answer([]));
    expect(result.code).toBe(0);
    expect(result.requests.map((req) => new URL(req.url).pathname)).toContain('/api/v1/system/readiness');
    expect(result.stdout).toMatch(/^SERVICE\s+READY\s+STATUS\s+LATENCY MS\s+DETAIL$/m);
    for (const name of ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications'])
      expect(result.stdout).toMatch(new RegExp(`^${name}\\s+true\\s+ready\\s+3\\s+-$`, 'm'));
    expect(result.stdout).toMatch(/^certificates\s+4$/m);
  });

  it('a service not ready: its row says why, the summary error is kept, exit 6 naming it', async () => {
    const result = await cli(['status', '--format', 'json'], (req, url) =>
      url.pathname === '/api/v1/stats/summary'
        ? { problemStatus: 503, type: 'urn:certctl:error:unavailable', title: 'Service unavailable', detail: 'inventory did not answer' }
        : answer(['inventory'])(req, url),
    );
    expect(result.code).toBe(6);
    expect(result.stderr).toBe('Not ready: inventory\n');
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ready: false, summary: null, summary_error: 'Service unavailable: inventory did not answer' });
    expect(doc.services.find((s: { service: string }) => s.service === 'inventory')).toMatchObject({ ready: false, status: 'unreachable' });
  });
});
