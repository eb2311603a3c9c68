import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { SERVICES, dataDir, freePort } from '@certctl/testing';
import { directoryUrl, issueWithDns01, trustPlatformCa } from './acme-support';
import { api, validCertificate, waitFor } from './http';
import { restartService } from './restart';

/**
 * Traces end to end: Jaeger's all-in-one program (built by tools/observability/install-jaeger.sh)
 * receives OTLP from the seven services of the e2e stack, restarted with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at it, and its query API shows each request as one trace across the services.
 */
const TRACED = SERVICES.map((s) => s.name); // all seven: a span whose caller is not exported would look like a second root

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; spanID: string; traceID: string }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

function jaegerBin(): string {
  const bin = join(dataDir(), 'tools/bin/jaeger');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run bash tools/observability/install-jaeger.sh (tools/test.sh does)`);
  return bin;
}

/** Jaeger with in-memory storage, OTLP/HTTP in and the query API out, nothing else listening. */
function jaegerConfig(otlpPort: number, queryPort: number, grpcPort: number): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${queryPort}
    grpc:
      endpoint: 127.0.0.1:${grpcPort}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** The services of one trace, and whether its spans form one tree (a single root). */
function shape(t: JaegerTrace) {
  const ids = new Set(t.spans.map((s) => s.spanID));
  const service = (s: JaegerSpan) => t.processes[s.processID].serviceName;
  const roots = t.spans.filter((s) => !s.references.some((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID)));
  return { services: [...new Set(t.spans.map(service))].sort(), roots: roots.map((s) => `${service(s)} ${s.operationName}`), service };
}

/** Span → its ancestors' services, root last. */
function ancestry(t: JaegerTrace, span: JaegerSpan): string[] {
  const byId = new Map(t.spans.map((s) => [s.spanID, s]));
  const out: string[] = [];
  for (let cur = span; ;) {
    const parent = cur.references.find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (!parent) return out;
    cur = byId.get(parent.spanID)!;
    out.push(t.processes[cur.processID].serviceName);
  }
}

describe('traces across the services, seen in Jaeger', () => {
  let jaeger: ChildProcess | undefined;
  let dir: string;
  let query: string;

  const traceById = async (traceId: string): Promise<JaegerTrace | undefined> => {
    const res = await fetch(`${query}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { data: JaegerTrace[] }).data[0];
  };

  beforeAll(async () => {
    const bin = jaegerBin();
    dir = mkdtempSync(join(tmpdir(), 'certctl-jaeger-'));
    const [otlpPort, queryPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(join(dir, 'config.yaml'), jaegerConfig(otlpPort, queryPort, grpcPort));
    const log = openSync(join(dir, 'jaeger.log'), 'a');
    jaeger = spawn(bin, ['--config', `file:${join(dir, 'config.yaml')}`], { stdio: ['ignore', log, log] });
    query = `http://127.0.0.1:${queryPort}`;
    await waitFor(
      async () => {
        if (jaeger!.exitCode !== null) throw new Error(`jaeger exited: ${readFileSync(join(dir, 'jaeger.log'), 'utf8').slice(-2000)}`);
        return (await fetch(`${query}/api/services`).catch(() => undefined))?.ok || undefined;
      },
      60000,
      'Jaeger to answer',
    );
    // Spans leave each service every 200 ms instead of every 5 s.
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`, OTEL_BSP_SCHEDULE_DELAY: '200' };
    for (const name of TRACED) await restartService(name, env);
  }, 240000);

  afterAll(async () => {
    for (const name of TRACED) await restartService(name); // the stack's own environment again: no exporter
    if (jaeger?.pid) jaeger.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }, 240000);

  it('a certificate created through the REST API is one trace: gateway → inventory → issuance (queue) → inventory', async () => {
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`traced-${Date.now()}`), headers: { traceparent } });
    expect(created.status).toBe(201);
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${created.body.id}`)).body.status === 'active' ? true : undefined),
      60000,
      'the certificate to be issued',
    );
    // A parent span is exported when it ends, after its children: wait until the queue worker's
    // span (the last to end) is in, then the trace is whole.
    let last: JaegerTrace | undefined;
    const trace = await waitFor(
      async () => {
        last = await traceById(traceId);
        return last?.spans.some((s) => s.operationName.startsWith('queue ')) && shape(last).roots.length === 1 ? last : undefined;
      },
      30000,
      'the whole trace in Jaeger',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; roots so far: ${last ? shape(last).roots.join(' | ') : 'no trace'}`);
    });
    const { services, roots, service } = shape(trace);
    expect(services).toEqual(expect.arrayContaining(['certctl-gateway', 'certctl-inventory', 'certctl-issuance']));
    expect(roots).toEqual(['certctl-gateway POST /api/v1/certificates']); // one request, one tree
    const queued = trace.spans.find((s) => service(s) === 'certctl-issuance' && s.operationName.startsWith('queue '));
    expect(queued).toBeDefined();
    // The signed certificate goes back to inventory from the queue worker, inside the same trace.
    const recordedAfterSigning = trace.spans.filter(
      (s) => service(s) === 'certctl-inventory' && ancestry(trace, s).includes('certctl-issuance'),
    );
    expect(recordedAfterSigning.length).toBeGreaterThan(0);
    expect(ancestry(trace, recordedAfterSigning[0]).at(-1)).toBe('certctl-gateway');
  });

  it('an ACME finalize through the gateway is one trace: gateway → acme → inventory → issuance', async () => {
    trustPlatformCa();
    const client = new acme.Client({
      directoryUrl: directoryUrl(),
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      backoffAttempts: 30,
      backoffMin: 100,
      backoffMax: 500,
    });
    const name = `traced-${Date.now()}.example.test`;
    const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
    await client.createAccount({ termsOfServiceAgreed: true });
    await issueWithDns01(client, csr);
    const finalize = await waitFor(
      async () => {
        const res = await fetch(`${query}/api/traces?service=certctl-acme&lookback=1h&limit=200`, { signal: AbortSignal.timeout(5000) });
        const traces = ((await res.json()) as { data: JaegerTrace[] }).data;
        return traces.find(
          (t) =>
            t.spans.some((sp) => /finalize/.test(sp.operationName)) &&
            t.spans.some((sp) => sp.operationName.startsWith('queue ')) &&
            // Each service exports its spans in its own batches: wait until the gateway's root has arrived too.
            shape(t).roots.length === 1 &&
            shape(t).services.includes('certctl-gateway'),
        );
      },
      30000,
      'the ACME finalize trace in Jaeger',
    );
    const { services, roots } = shape(finalize);
    expect(services).toEqual(expect.arrayContaining(['certctl-gateway', 'certctl-acme', 'certctl-inventory', 'certctl-issuance']));
    expect(roots).toEqual(['certctl-gateway POST /acme']);
  });
});
