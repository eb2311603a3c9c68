import type { TransportRequest } from '@certctl/api-client';
import { run } from '../program';

/** certctl against a fake gateway answering `answer(method, path)`; Ctrl-C fires after `interruptAfter` polls. */
async function fleetCli(argv: string[], answer: (method: string, url: URL) => unknown, interruptAfter?: number) {
  const out: string[] = [];
  const err: string[] = [];
  const seen: TransportRequest[] = [];
  let interrupt = () => undefined as void;
  const code = await run(argv, {
    env: { CERTCTL_API_KEY: 'test-key-0123456789abcdef' },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    errIsTty: false,
    onInterrupt: (handler) => ((interrupt = handler), () => undefined),
    transport: async (req) => {
      seen.push(req);
      if (interruptAfter !== undefined && seen.length > interruptAfter) setTimeout(() => interrupt(), 5);
      return { status: 200, contentType: 'application/json', text: JSON.stringify(answer(req.method, new URL(req.url))) };
    },
  });
  return { code, stdout: out.join(''), stderr: err.join(''), requests: seen };
}

const campaign = (done: number, failed = 0) => ({
  id: 'rc-1',
  status: done + failed >= 4 ? 'completed' : 'running',
  progress: { total: 4, done, failed, cancelled: 0, remaining: 4 - done - failed, rate_per_minute: 60, eta_seconds: 4 - done },
});

describe('certctl fleet', () => {
  it('ok/reissue sends the selection and options, then follows the campaign with the progress lines', async () => {
    let polls = 0;
    const result = await fleetCli(
      [
        'fleet',
        'reissue',
        '--issuer',
        'iss-mid',
        '--new-issuer',
        'iss-new',
        '--revoke-old',
        'keyCompromise',
        '--rate',
        '120',
        '--format',
        'json',
      ],
      (method) => (method === 'POST' ? campaign(0) : campaign(Math.min(4, ++polls * 2))),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(String(result.requests[0]!.body))).toEqual({
      issuer_id: 'iss-mid',
      new_issuer_id: 'iss-new',
      revoke_old: 'keyCompromise',
      force_revoke: false,
      rate_per_minute: 120,
      dry_run: false,
    });
    expect(new URL(result.requests[0]!.url).pathname).toBe('/api/v1/reissuance-campaigns');
    expect(result.stderr).toMatch(/^reissuing: 4\/4 \(4 ok, 0 failed\)/m);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'rc-1', status: 'completed' });
  });

  it('ok/Ctrl-C stops watching, leaves the campaign running and says how to watch it', async () => {
    const result = await fleetCli(
      ['fleet', 'reissue', '--issuer', 'iss-mid'],
      (method) => (method === 'POST' ? campaign(0) : campaign(1)),
      1,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the server keeps going. Watch it with: certctl fleet status rc-1');
    expect(result.requests.filter((req) => req.method === 'POST')).toHaveLength(1);
  });

  it('ok/a dry run prints what would happen and says nothing changed', async () => {
    const result = await fleetCli(['fleet', 'reissue', '--issuer', 'iss-mid', '--dry-run'], () => ({
      dry_run: true,
      total: 1,
      rate_per_minute: 300,
      estimated_seconds: 1,
      items: [
        { certificate_id: 'c1', name: 'www', serial_number: 'ab', new_issuer_id: 'iss-mid', steps: ['issue a replacement from iss-mid'] },
      ],
    }));
    expect(result.code).toBe(0);
    expect(JSON.parse(String(result.requests[0]!.body)).dry_run).toBe(true);
    expect(result.stderr).toContain('dry run: 1 certificate(s) would be replaced in about 1 s; nothing was changed');
    expect(result.stdout).toContain('c1');
  });

  it('err/reissue without a selection is a usage error (exit 2) and calls nothing', async () => {
    const result = await fleetCli(['fleet', 'reissue', '--revoke-old', 'superseded'], () => ({}));
    expect(result).toMatchObject({ code: 2, requests: [] });
    expect(result.stderr).toContain('fleet reissue needs --issuer');
  });

  it('ok/pause, resume, cancel and retry call their routes', async () => {
    for (const verb of ['pause', 'resume', 'cancel']) {
      const result = await fleetCli(['fleet', verb, 'rc-1'], () => campaign(1));
      expect(`${result.requests[0]!.method} ${new URL(result.requests[0]!.url).pathname}`).toBe(
        `POST /api/v1/reissuance-campaigns/rc-1/${verb}`,
      );
    }
    const retry = await fleetCli(['fleet', 'retry', 'rc-1', 'rc-1-000001'], () => ({ id: 'rc-1-000001', status: 'pending' }));
    expect(new URL(retry.requests[0]!.url).pathname).toBe('/api/v1/reissuance-campaigns/rc-1/items/rc-1-000001/retry');
    const items = await fleetCli(['fleet', 'items', 'rc-1', '--status', 'failed'], () => ({ data: [], next_cursor: null }));
    expect(new URL(items.requests[0]!.url).search).toBe('?status=failed');
  });

  it('ok/capacity prints the scenarios and the advice', async () => {
    const result = await fleetCli(['capacity', '--reissue', '1000'], () => ({
      capacity: { issuances_per_second: 2, source: 'measured' },
      scenarios: [{ name: 'now', renewals_per_day: 10, peak_per_hour: 1, utilisation: 0.0001 }],
      mass_reissuance: { certificates: 1000, hours_at_full_capacity: 0.14, headroom_days_needed: 0.01 },
      advice: ['keep headroom'],
    }));
    expect(new URL(result.requests[0]!.url).search).toBe('?reissue=1000');
    expect(result.stdout).toContain('capacity: 2 issuances/s (measured)');
    expect(result.stdout).toContain('mass re-issuance of 1000: 0.14 h at full capacity');
    expect(result.stdout).toContain('- keep headroom');
  });
});
