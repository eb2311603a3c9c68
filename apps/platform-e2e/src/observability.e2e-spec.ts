import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, dataDir, freePort } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor, within } from './http';

/**
 * Debian's Prometheus scrapes the running e2e stack with the rules of deploy/prometheus
 * loaded; every rule and every panel query of deploy/grafana/dashboards is evaluated
 * through its HTTP API. Prometheus runs on a free port with its data in a temporary
 * folder and is stopped by its pid.
 */
const RULES = join(ROOT, 'deploy/prometheus/certctl-rules.yml');
const DASHBOARDS = join(ROOT, 'deploy/grafana/dashboards');
const SCRAPE_SECONDS = 1;

interface PromResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
  warnings?: string[];
}
interface Panel {
  title: string;
  description?: string;
  targets: { expr: string }[];
}
interface RuleGroup {
  name: string;
  rules: {
    name: string;
    query: string;
    type: 'alerting' | 'recording';
    health: string;
    lastError?: string;
    annotations?: Record<string, string>;
  }[];
}

function prometheusBin(): string {
  const bin = join(dataDir(), 'tools/prometheus/usr/bin/prometheus');
  if (!existsSync(bin))
    execFileSync('bash', [join(ROOT, 'tools/observability/install-tools.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return bin;
}

/** The queries a dashboard sends, with Grafana's variables set as a user viewing every service would. */
function grafanaQuery(expr: string): string {
  return expr.replaceAll('$__rate_interval', `${SCRAPE_SECONDS * 15}s`).replaceAll('$service', '.*');
}

describe('Prometheus rules and Grafana dashboards against the running stack', () => {
  let prom: ChildProcess | undefined;
  let dir: string;
  let base: string;

  const get = async <T>(path: string): Promise<PromResponse<T>> => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10000) });
    return (await res.json()) as PromResponse<T>;
  };
  const query = (expr: string) => get<{ resultType: string; result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);

  beforeAll(async () => {
    const state = readState();
    // Traffic for the core panels: an issued certificate, the ACME directory, a CRL, an OCSP answer.
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`observability-${Date.now()}`) });
    expect(created.status).toBe(201);
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${created.body.id}`)).body.status === 'active' ? true : undefined),
      30000,
      'the certificate to be issued',
    );
    expect((await api('GET', '/acme/directory', { key: null })).status).toBe(200);
    expect((await api('GET', '/.well-known/pki/crl/iss-local', { key: null })).status).toBe(200);
    expect((await api('GET', '/.well-known/pki/ocsp/iss-local/AAAA', { key: null })).status).toBeLessThan(500); // malformedRequest, counted

    const metricsTargets = [
      `127.0.0.1:${state.env.CERTCTL_GATEWAY_METRICS_PORT}`,
      ...(['inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications'] as const).map((s) => `127.0.0.1:${state.ports[s]}`),
    ];
    dir = mkdtempSync(join(tmpdir(), 'certctl-prometheus-'));
    const config = {
      global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s`, scrape_timeout: `${SCRAPE_SECONDS}s` },
      rule_files: [RULES],
      scrape_configs: [{ job_name: 'certctl', static_configs: [{ targets: metricsTargets }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config)); // JSON is YAML
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const log = openSync(join(dir, 'prometheus.log'), 'a');
    prom = spawn(
      prometheusBin(),
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    await waitFor(
      async () => ((await fetch(`${base}/-/ready`).catch(() => undefined))?.ok ? true : undefined),
      30000,
      'Prometheus to be ready',
    );
    await waitFor(
      async () => {
        const t = await get<{ activeTargets: { health: string }[] }>('/api/v1/targets');
        return t.data.activeTargets.length === metricsTargets.length && t.data.activeTargets.every((a) => a.health === 'up')
          ? true
          : undefined;
      },
      30000,
      'every service to be scraped',
    );
    // Enough samples for rate() over the dashboards' window, and every rule group evaluated.
    await new Promise((r) => setTimeout(r, SCRAPE_SECONDS * 6000));
  }, 120000);

  afterAll(async () => {
    if (prom?.pid) {
      const exited = new Promise((r) => prom!.once('exit', r));
      process.kill(prom.pid, 'SIGTERM');
      await within(exited, 10000, undefined);
      if (prom.exitCode === null && prom.signalCode === null) process.kill(prom.pid, 'SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ok/every service of the stack is up in Prometheus, with its service label', async () => {
    const r = await query('max by (service) (certctl_ready)');
    expect(r.status).toBe('success');
    const services = (r.data.result as { metric: { service: string } }[]).map((s) => s.metric.service).sort();
    expect(services).toEqual(['acme', 'gateway', 'inventory', 'issuance', 'notifications', 'revocation', 'scheduler']);
  });

  it('ok/every recording and alerting rule evaluates without error, and every alert links its runbook section', async () => {
    // Each group evaluates on its own interval (the recording rules every 30 s): wait for one evaluation of all.
    const rules = await waitFor(
      async () => {
        const r = await get<{ groups: RuleGroup[] }>('/api/v1/rules');
        const all = r.data.groups.flatMap((g) => g.rules.map((rule) => ({ group: g.name, ...rule })));
        return all.length > 0 && all.every((x) => x.health !== 'unknown') ? all : undefined;
      },
      60000,
      'every rule group to be evaluated',
    );
    expect(rules.length).toBeGreaterThanOrEqual(30);
    expect(rules.filter((x) => x.health !== 'ok').map((x) => `${x.name}: ${x.health} ${x.lastError ?? ''}`)).toEqual([]);
    for (const rule of rules) {
      const res = await query(rule.query);
      expect({ rule: rule.name, status: res.status, error: res.error }).toEqual({ rule: rule.name, status: 'success', error: undefined });
    }
    const doc = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8');
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of rules.filter((x) => x.type === 'alerting')) {
      const link = rule.annotations?.runbook_url ?? '';
      expect({ alert: rule.name, link: link.startsWith('docs/observability.md#'), anchor: anchors.has(link.split('#')[1] ?? '') }).toEqual({
        alert: rule.name,
        link: true,
        anchor: true,
      });
    }
    // The per-route request rate the error and latency alerts build on has data for the traffic the stack has seen.
    const perRoute = rules.find((x) => x.name === 'certctl:http_requests:rate5m')!;
    expect((await query(perRoute.query)).data.result.length).toBeGreaterThan(0);
  });

  it('ok/every panel query of every dashboard runs; the core panels return data', async () => {
    const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(
      ['acme', 'fleet', 'issuance', 'notifications', 'red', 'revocation', 'runtime'].map((d) => `certctl-${d}.json`),
    );
    const failures: string[] = [];
    const empty: string[] = [];
    let core = 0;
    for (const f of files) {
      const board = JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as { title: string; panels: Panel[] };
      for (const panel of board.panels) {
        expect(panel.targets.length).toBeGreaterThan(0);
        let series = 0;
        for (const t of panel.targets) {
          const res = await query(grafanaQuery(t.expr));
          if (res.status !== 'success') failures.push(`${board.title} / ${panel.title}: ${res.error}`);
          else series += res.data.result.length;
        }
        if (panel.description?.startsWith('Core panel')) {
          core++;
          if (series === 0) empty.push(`${board.title} / ${panel.title}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(empty).toEqual([]);
    expect(core).toBeGreaterThanOrEqual(20);
  });
});
