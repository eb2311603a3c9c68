import { type IncomingMessage, type Server as HttpServer, type ServerResponse, createServer as createHttpServer } from 'node:http';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

/**
 * What a fault proxy does to the traffic between its clients and its upstream, switched at run time:
 * - `pass`: forwards everything at once;
 * - `latency`: delays every chunk, each way, by `ms` ± `jitterMs` (order kept);
 * - `loss`: what packet loss looks like above TCP (which retransmits: a lost segment is a late
 *   one): each chunk is held `stallMs` with probability `stallProbability`, and a fraction
 *   `resetProbability` of new connections is reset at once;
 * - `stall`: a network partition: connections are accepted and kept open, nothing is forwarded
 *   either way (no RST, no FIN) until the mode changes; then what was held is delivered;
 * - `reset`: every open connection is reset, and every new one is reset at once.
 */
export type FaultMode =
  | { mode: 'pass' }
  | { mode: 'latency'; ms: number; jitterMs?: number }
  | { mode: 'loss'; stallProbability: number; stallMs: number; resetProbability?: number }
  | { mode: 'stall' }
  | { mode: 'reset' };

export interface FaultProxyStats {
  /** Connections accepted since the start. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Connections this proxy reset (mode reset, loss, or the upstream refused or reset). */
  reset: number;
  /** Chunks held by the loss mode. */
  stalledChunks: number;
  /** Bytes forwarded, both ways. */
  bytes: number;
}

export interface FaultProxyOptions {
  upstreamHost?: string;
  upstreamPort: number;
  /** The listening port (0: any free one). */
  port?: number;
  host?: string;
  /** Randomness (tests make it predictable). */
  random?: () => number;
}

type Item = Buffer | 'end';

/** One direction of one connection: the chunks in order, each with the time it may leave. */
class Pipe {
  private readonly queue: { due: number; item: Item }[] = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly to: Socket,
  ) {}

  push(item: Item): void {
    const due = Math.max(Date.now() + this.proxy.delayOfChunk(), this.lastDue);
    this.lastDue = due;
    this.queue.push({ due, item });
    this.flush();
  }

  /** Delivers what is due, unless the proxy is stalled; wakes up again for the next chunk. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.proxy.mode.mode === 'stall') return;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const { item } = this.queue.shift()!;
      if (this.to.destroyed) continue;
      if (item === 'end') this.to.end();
      else {
        this.proxy.stats.bytes += item.length;
        this.to.write(item);
      }
    }
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), this.queue[0]!.due - now);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

interface Connection {
  client: Socket;
  upstream: Socket;
  pipes: Pipe[];
}

/**
 * A TCP proxy between clients and one upstream (host:port) whose behaviour (FaultMode) can be
 * changed while connections are open: the slow and unreliable network of a fault test, on
 * loopback, without root (tc netem needs it). A closed or refused upstream is passed on as a
 * reset of the client's connection, so a killed server behind the proxy still looks killed.
 */
export class FaultProxy {
  mode: FaultMode = { mode: 'pass' };
  readonly stats: FaultProxyStats = { accepted: 0, open: 0, reset: 0, stalledChunks: 0, bytes: 0 };
  private readonly connections = new Set<Connection>();
  private readonly server: Server;
  private readonly random: () => number;

  constructor(private readonly options: FaultProxyOptions) {
    this.random = options.random ?? Math.random;
    // Half-open connections pass through: a FIN is forwarded like data (held by a stall, delayed by latency).
    this.server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  /** Starts listening; answers the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get upstream(): { host: string; port: number } {
    return { host: this.options.upstreamHost ?? '127.0.0.1', port: this.options.upstreamPort };
  }

  /** Changes the behaviour of open and new connections. */
  setMode(mode: FaultMode): void {
    this.mode = mode;
    if (mode.mode === 'reset') for (const c of [...this.connections]) this.resetConnection(c);
    // Leaving a stall delivers what was held; a new delay applies to the chunks to come.
    for (const c of this.connections) for (const p of c.pipes) p.flush();
  }

  /** The delay of one chunk in the current mode. */
  delayOfChunk(): number {
    const m = this.mode;
    if (m.mode === 'latency') {
      const jitter = m.jitterMs ?? 0;
      return Math.max(0, m.ms + (this.random() * 2 - 1) * jitter);
    }
    if (m.mode === 'loss' && this.random() < m.stallProbability) {
      this.stats.stalledChunks++;
      return m.stallMs;
    }
    return 0;
  }

  private accept(client: Socket): void {
    this.stats.accepted++;
    const m = this.mode;
    if (m.mode === 'reset' || (m.mode === 'loss' && this.random() < (m.resetProbability ?? 0))) {
      this.stats.reset++;
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: this.upstream.host, port: this.upstream.port, allowHalfOpen: true });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const toUpstream = new Pipe(this, upstream);
    const toClient = new Pipe(this, client);
    const conn: Connection = { client, upstream, pipes: [toUpstream, toClient] };
    this.connections.add(conn);
    this.stats.open++;
    client.on('data', (chunk: Buffer) => toUpstream.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    client.on('end', () => toUpstream.push('end'));
    upstream.on('end', () => toClient.push('end'));
    // A refused or reset upstream resets the client (a killed server); a reset client resets the upstream.
    upstream.on('error', () => this.resetConnection(conn));
    client.on('error', () => this.resetConnection(conn));
    const closed = () => {
      if (client.destroyed && upstream.destroyed && this.connections.delete(conn)) {
        this.stats.open--;
        for (const p of conn.pipes) p.stop();
      }
    };
    // A side that went away without a FIN (destroyed) ends the other side too, in order with its data.
    client.on('close', () => {
      if (!client.readableEnded) toUpstream.push('end');
      closed();
    });
    upstream.on('close', () => {
      if (!upstream.readableEnded) toClient.push('end');
      closed();
    });
  }

  private resetConnection(c: Connection): void {
    if (!c.client.destroyed || !c.upstream.destroyed) this.stats.reset++;
    for (const p of c.pipes) p.stop();
    for (const s of [c.client, c.upstream]) {
      s.on('error', () => undefined);
      if (!s.destroyed) s.resetAndDestroy();
    }
  }

  /** Stops listening and resets every open connection. */
  async close(): Promise<void> {
    for (const c of [...this.connections]) this.resetConnection(c);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The modes and figures of named proxies, as the control endpoint answers them. */
export type FaultProxyReport = Record<
  string,
  { port: number; upstream: { host: string; port: number }; mode: FaultMode; stats: FaultProxyStats }
>;

function report(proxies: Record<string, FaultProxy>): FaultProxyReport {
  return Object.fromEntries(
    Object.entries(proxies).map(([name, p]) => [name, { port: p.port, upstream: p.upstream, mode: p.mode, stats: { ...p.stats } }]),
  );
}

const MODES = new Set(['pass', 'latency', 'loss', 'stall', 'reset']);

/**
 * The control endpoint of a set of named proxies, on loopback: GET / answers their report;
 * PUT /<name> with a FaultMode as JSON body switches one proxy. Answers the server and its port.
 */
export async function startFaultProxyControl(proxies: Record<string, FaultProxy>, port = 0): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const answer = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.method === 'GET' && req.url === '/') return answer(200, report(proxies));
      const proxy = proxies[(req.url ?? '').slice(1)];
      if (req.method !== 'PUT' || !proxy) return answer(404, { error: 'unknown proxy' });
      let mode: FaultMode;
      try {
        mode = JSON.parse(body) as FaultMode;
      } catch {
        return answer(400, { error: 'the body is not JSON' });
      }
      if (!mode || !MODES.has(mode.mode)) return answer(400, { error: 'unknown mode' });
      proxy.setMode(mode);
      return answer(200, report(proxies));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Switches the proxy `name` behind the control endpoint at `controlUrl`; answers the report of all of them. */
export async function setFaultMode(controlUrl: string, name: string, mode: FaultMode): Promise<FaultProxyReport> {
  const res = await fetch(`${controlUrl}/${name}`, {
    method: 'PUT',
    body: JSON.stringify(mode),
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(5000),
  });
  if (res.status !== 200) throw new Error(`fault proxy ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as FaultProxyReport;
}

/** The report of every proxy behind the control endpoint at `controlUrl`. */
export async function faultProxyReport(controlUrl: string): Promise<FaultProxyReport> {
  const res = await fetch(`${controlUrl}/`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as FaultProxyReport;
}

export interface FaultProxiesProcess {
  pid: number;
  /** The control endpoint (setFaultMode, faultProxyReport). */
  controlUrl: string;
  /** The listening port of each proxy. */
  ports: Record<string, number>;
}

/**
 * Starts the proxies in front of `upstreams` (name → host:port) in a child process of their own
 * (fault-proxy-process.ts, bundled into `dir` here, since the build does not ship test tools),
 * so a test file of another module registry reaches them through the control endpoint. The
 * child ends with SIGTERM, or when the process that started it is gone.
 */
export async function spawnFaultProxies(upstreams: Record<string, string>, dir: string, timeoutMs = 30000): Promise<FaultProxiesProcess> {
  const { build } = await import('esbuild');
  const { join } = await import('node:path');
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const outfile = join(dir, 'fault-proxies.js');
  await build({
    entryPoints: [join(__dirname, 'fault-proxy-process.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['esbuild'], // spawnFaultProxies itself, never called in the child
    logLevel: 'warning',
  });
  const child = spawn(process.execPath, [outfile, JSON.stringify(upstreams)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await Promise.race([
      new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve)),
      new Promise<never>((_, reject) =>
        child.once('exit', (code) => reject(new Error(`fault proxies exited (${code}) before they were ready`))),
      ),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`fault proxies not ready in ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]);
    const started = JSON.parse(line) as { control: number; proxies: Record<string, number> };
    // The pipes must not keep the starting process alive.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return { pid: child.pid!, controlUrl: `http://127.0.0.1:${started.control}`, ports: started.proxies };
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
