// More than one replica of a service in a test stack, and a balancer in front of the gateway's
// replicas (what a Kubernetes Service with readiness probes does): docs/reliability.md, "Replicas".
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './infra';
import { SERVICES, type ServiceName, type ServiceProcess, type Stack, startService, waitReady } from './stack';

/** One further replica of a service: its own HTTP port and log file (`<name>-<index>.log`), the stack's environment. */
export interface Replica {
  name: ServiceName;
  /** 2 for the second replica of a service (the stack's own is 1). */
  index: number;
  port: number;
  /** The environment it was started with (the stack's plus replicaEnv), to start it again the same way. */
  env: NodeJS.ProcessEnv;
  logDir: string;
  child: ServiceProcess;
}

/**
 * What a further replica of `name` needs beside the stack's environment: the gateway's metrics
 * listener on a port of its own and no HTTPS listener (the first replica serves the stack's);
 * the other services listen on their HTTP port only.
 */
export async function replicaEnv(name: ServiceName): Promise<Record<string, string>> {
  if (name !== 'gateway') return {};
  return { CERTCTL_GATEWAY_METRICS_PORT: String(await freePort()), CERTCTL_GATEWAY_TLS_PORT: '0' };
}

/** Starts replica `index` of `name` (on `port`, or a free one) and waits until its /ready answers 200. */
export async function startReplica(
  name: ServiceName,
  o: { env: NodeJS.ProcessEnv; logDir: string; index: number; port?: number; timeoutMs?: number },
): Promise<Replica> {
  const port = o.port ?? (await freePort());
  const env = { ...o.env, ...(await replicaEnv(name)) };
  const child = startService(name, { env, port, logDir: o.logDir, logName: `${name}-${o.index}` });
  try {
    await waitReady(`http://127.0.0.1:${port}/ready`, o.timeoutMs ?? 60000, () => child.exitCode === null && child.signalCode === null);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw new Error(`${name} replica ${o.index}: ${(err as Error).message} (see ${o.logDir}/${name}-${o.index}.log)`);
  }
  return { name, index: o.index, port, env, logDir: o.logDir, child };
}

/**
 * Starts replicas 2..`count` of each of `services` (default: all seven) beside a running stack,
 * with its environment, at once; each waits until ready (a busy machine: `timeoutMs`). When one
 * fails to start, the others are stopped again.
 */
export async function startReplicas(
  stack: Pick<Stack, 'env' | 'logDir'>,
  o: { count?: number; services?: ServiceName[]; timeoutMs?: number } = {},
): Promise<Replica[]> {
  const services = o.services ?? SERVICES.map((s) => s.name);
  const wanted = services.flatMap((name) => Array.from({ length: (o.count ?? 2) - 1 }, (_, i) => ({ name, index: i + 2 })));
  const started = await Promise.allSettled(
    wanted.map((w) => startReplica(w.name, { env: stack.env, logDir: stack.logDir, index: w.index, timeoutMs: o.timeoutMs ?? 180000 })),
  );
  const ok = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length) {
    await Promise.all(ok.map((r) => stopReplica(r)));
    throw new Error(`replicas did not start: ${failed.join('; ')}`);
  }
  return ok;
}

/** Starts the same replica again (same port, environment and log file) after it stopped. */
export function restartReplica(r: Replica, timeoutMs = 60000): Promise<Replica> {
  return startReplica(r.name, { env: r.env, logDir: r.logDir, index: r.index, port: r.port, timeoutMs });
}

/** Stops a replica (SIGTERM: graceful, draining) and waits until its process is gone. */
export async function stopReplica(r: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
  await r.child.exited;
}

export interface BalancerStats {
  /** Requests answered to clients. */
  requests: number;
  /** Requests sent again to another replica after the first could not take them. */
  retried: number;
  /** Requests the balancer could not get answered (it answered 502). */
  failed: number;
  /** Answers by upstream base URL. */
  byUpstream: Record<string, number>;
  /** Times an upstream was taken out of rotation (not ready, refused connections). */
  removals: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** Errors meaning the request never reached the upstream: safe to send again, whatever its method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * A round-robin HTTP proxy over replicas of the gateway, as a Kubernetes Service with a readiness
 * probe: each upstream's `healthPath` (/ready) is asked every `healthIntervalMs`; one that does not
 * answer 200 (not ready, shutting down, refusing connections) is out of rotation until it does.
 * Every request opens a connection of its own to its upstream (no keep-alive), so a replica that
 * stopped listening refuses it cleanly: a request refused before it was sent goes once to the next
 * replica, whatever its method; one cut off after it was sent goes again only when idempotent.
 * A request no replica answered gets 502 and counts in `stats.failed`.
 */
export class Balancer {
  readonly stats: BalancerStats = { requests: 0, retried: 0, failed: 0, byUpstream: {}, removals: 0 };
  private readonly ready = new Map<string, boolean>();
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private checking = false;
  private next = 0;

  constructor(
    private readonly upstreams: string[],
    private readonly o: { healthPath?: string; healthIntervalMs?: number; healthTimeoutMs?: number } = {},
  ) {
    for (const u of upstreams) this.ready.set(u, false);
  }

  /** Checks every upstream once, then listens on 127.0.0.1 (`port`, or a free one); answers its base URL. */
  async start(port = 0): Promise<string> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.o.healthIntervalMs ?? 250);
    this.timer.unref();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Upstreams in rotation now. */
  inRotation(): string[] {
    return this.upstreams.filter((u) => this.ready.get(u));
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all(
        this.upstreams.map(async (u) => {
          let ok = false;
          try {
            const res = await fetch(`${u}${this.o.healthPath ?? '/ready'}`, {
              signal: AbortSignal.timeout(this.o.healthTimeoutMs ?? 2000),
            });
            await res.arrayBuffer();
            ok = res.status === 200;
          } catch {
            ok = false;
          }
          this.setReady(u, ok);
        }),
      );
    } finally {
      this.checking = false;
    }
  }

  private setReady(upstream: string, ok: boolean): void {
    if (this.ready.get(upstream) && !ok) this.stats.removals++;
    this.ready.set(upstream, ok);
  }

  /** The next upstream in rotation after those in `tried`; any untried one when none is ready. */
  private pick(tried: string[]): string | undefined {
    const candidates = this.inRotation().filter((u) => !tried.includes(u));
    const pool = candidates.length ? candidates : tried.length ? [] : this.upstreams;
    if (!pool.length) return undefined;
    return pool[this.next++ % pool.length];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const tried: string[] = [];
    let lastError = 'no upstream';
    for (let attempt = 0; attempt < 2; attempt++) {
      const upstream = this.pick(tried);
      if (!upstream) break;
      tried.push(upstream);
      if (attempt > 0) this.stats.retried++;
      const outcome = await this.forward(upstream, req, body, res);
      if (outcome === 'answered') {
        this.stats.requests++;
        this.stats.byUpstream[upstream] = (this.stats.byUpstream[upstream] ?? 0) + 1;
        return;
      }
      lastError = outcome.error;
      if (outcome.notSent) this.setReady(upstream, false);
      else if (!IDEMPOTENT.has(req.method ?? 'GET')) break;
    }
    this.stats.failed++;
    this.stats.requests++;
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`balancer: ${lastError}`);
  }

  /** Sends the request to `upstream` and pipes its answer back; or says why it could not. */
  private forward(
    upstream: string,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<'answered' | { error: string; notSent: boolean }> {
    const url = new URL(req.url ?? '/', upstream);
    return new Promise((resolve) => {
      const { 'content-length': _length, 'transfer-encoding': _encoding, ...given } = req.headers;
      const sized = body.length || !(req.method === 'GET' || req.method === 'HEAD');
      const headers = { ...given, host: url.host, connection: 'close', ...(sized ? { 'content-length': String(body.length) } : {}) };
      const out = httpRequest(url, { method: req.method, headers, agent: false }, (answer) => {
        const { connection: _connection, 'keep-alive': _keepAlive, ...answerHeaders } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.pipe(res);
        answer.on('end', () => resolve('answered'));
        answer.on('error', () => resolve('answered')); // headers went out: the client sees the cut
      });
      out.on('error', (err: NodeJS.ErrnoException) =>
        resolve({ error: `${upstream}: ${err.code ?? err.message}`, notSent: NOT_SENT.has(err.code ?? '') }),
      );
      out.end(body);
    });
  }
}
