import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { FaultProxy, faultProxyReport, setFaultMode, startFaultProxyControl } from './fault-proxy';

/** A real echo server on loopback, and clients of the proxy in front of it. */
describe('FaultProxy', () => {
  let echo: Server;
  let echoPort: number;
  let proxy: FaultProxy;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    echo = createServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as AddressInfo).port;
    proxy = new FaultProxy({ upstreamPort: echoPort });
    await proxy.listen();
  });

  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  const open = async () => {
    const s = connect({ port: proxy.port, host: '127.0.0.1' });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    return s;
  };
  /** Sends `text` and answers how long the echo took, or 'closed'/'reset' when the connection ended instead. */
  const roundTrip = (s: Socket, text: string, timeoutMs = 3000) =>
    new Promise<{ ms: number; echoed: string } | 'reset' | 'closed' | 'timeout'>((resolve) => {
      const t0 = Date.now();
      let got = '';
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      s.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.length >= text.length) {
          clearTimeout(timer);
          resolve({ ms: Date.now() - t0, echoed: got });
        }
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(err.code === 'ECONNRESET' ? 'reset' : 'closed');
      });
      s.once('close', () => {
        clearTimeout(timer);
        resolve('closed');
      });
      s.write(text);
    });
  /** Whether a new connection is reset (or closed) before it can echo. */
  const newConnectionRefused = async () => {
    const s = connect({ port: proxy.port, host: '127.0.0.1' });
    sockets.push(s);
    return roundTrip(s, 'x', 2000);
  };

  it('ok/pass forwards both ways at once', async () => {
    const r = await roundTrip(await open(), 'hello');
    expect(r).toMatchObject({ echoed: 'hello' });
    expect((r as { ms: number }).ms).toBeLessThan(100);
    expect(proxy.stats).toMatchObject({ accepted: 1, open: 1, bytes: 10 });
  });

  it('ok/latency delays each way by ms ± jitter, keeping the order of chunks', async () => {
    proxy.setMode({ mode: 'latency', ms: 100, jitterMs: 20 });
    const s = await open();
    const r = await roundTrip(s, 'slow');
    expect(r).toMatchObject({ echoed: 'slow' });
    // 100 ± 20 ms to the echo server, and as much back.
    expect((r as { ms: number }).ms).toBeGreaterThanOrEqual(160);
    expect((r as { ms: number }).ms).toBeLessThan(600);
    // Many chunks with jitter still arrive in order.
    const text = Array.from({ length: 50 }, (_, i) => `<${i}>`).join('');
    const received = new Promise<string>((resolve) => {
      let got = '';
      s.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.length >= text.length) resolve(got);
      });
    });
    for (let i = 0; i < 50; i++) {
      s.write(`<${i}>`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await received).toBe(text);
    // Back to pass: fast again.
    proxy.setMode({ mode: 'pass' });
    const fast = await roundTrip(await open(), 'fast');
    expect((fast as { ms: number }).ms).toBeLessThan(100);
  });

  it('ok/loss holds chunks for stallMs and resets a fraction of new connections', async () => {
    let next = 0;
    const sequence = [0.1, 0.9]; // the first chunk is held, the echo comes back at once
    const lossy = new FaultProxy({ upstreamPort: echoPort, random: () => sequence[next++ % sequence.length]! });
    await lossy.listen();
    try {
      lossy.setMode({ mode: 'loss', stallProbability: 0.5, stallMs: 300, resetProbability: 0 });
      const s = connect({ port: lossy.port, host: '127.0.0.1' });
      sockets.push(s);
      await new Promise((resolve) => s.once('connect', resolve));
      next = 0;
      const r = await roundTrip(s, 'lost?');
      expect(r).toMatchObject({ echoed: 'lost?' });
      expect((r as { ms: number }).ms).toBeGreaterThanOrEqual(280);
      expect(lossy.stats.stalledChunks).toBe(1);
      lossy.setMode({ mode: 'loss', stallProbability: 0, stallMs: 300, resetProbability: 1 });
      const refused = connect({ port: lossy.port, host: '127.0.0.1' });
      sockets.push(refused);
      expect(await roundTrip(refused, 'x', 2000)).toMatch(/reset|closed/);
      expect(lossy.stats.reset).toBe(1);
    } finally {
      await lossy.close();
    }
  });

  it('ok/stall keeps connections open and forwards nothing, then delivers what it held', async () => {
    const s = await open();
    expect(await roundTrip(s, 'before')).toMatchObject({ echoed: 'before' });
    s.removeAllListeners('data');
    proxy.setMode({ mode: 'stall' });
    // Nothing comes back, and the connection is neither reset nor closed.
    const stalled = roundTrip(s, 'during', 5000);
    const fresh = connect({ port: proxy.port, host: '127.0.0.1' });
    sockets.push(fresh);
    await new Promise((resolve) => fresh.once('connect', resolve)); // accepted, as a partitioned peer's kernel would not answer…
    const freshEcho = roundTrip(fresh, 'new', 5000);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(s.destroyed).toBe(false);
    expect(fresh.destroyed).toBe(false);
    expect(proxy.stats.bytes).toBe('before'.length * 2);
    proxy.setMode({ mode: 'pass' });
    expect(await stalled).toMatchObject({ echoed: 'during' });
    expect(await freshEcho).toMatchObject({ echoed: 'new' });
  });

  it('ok/reset resets every open connection and every new one', async () => {
    const s = await open();
    const ended = new Promise<string>((resolve) => {
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      s.once('close', () => resolve('closed'));
    });
    proxy.setMode({ mode: 'reset' });
    expect(await ended).toBe('ECONNRESET');
    expect(await newConnectionRefused()).toMatch(/reset|closed/);
    expect(proxy.stats.reset).toBe(2);
    expect(proxy.stats.open).toBe(0);
    proxy.setMode({ mode: 'pass' });
    expect(await roundTrip(await open(), 'again')).toMatchObject({ echoed: 'again' });
  });

  it('ok/a killed upstream still looks killed: open connections are reset, new ones too', async () => {
    const s = await open();
    expect(await roundTrip(s, 'up')).toMatchObject({ echoed: 'up' });
    s.removeAllListeners('data');
    const ended = new Promise<string>((resolve) => s.once('close', () => resolve('closed')));
    // Closes the upstream side of every connection, and refuses new ones.
    await new Promise<void>((resolve) => {
      echo.close(() => resolve());
      for (const c of echoSockets()) c.resetAndDestroy();
    });
    expect(await ended).toBe('closed');
    expect(await newConnectionRefused()).toMatch(/reset|closed/);
    echo = createServer(); // afterEach closes it
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  });

  const echoConnections: Socket[] = [];
  const echoSockets = () => echoConnections;
  beforeEach(() => {
    echoConnections.length = 0;
    echo.on('connection', (c: Socket) => echoConnections.push(c));
  });
});

describe('fault proxy control endpoint', () => {
  it('ok/switches a proxy by name and reports every mode; refuses unknown names and modes', async () => {
    const proxy = new FaultProxy({ upstreamPort: 9 });
    await proxy.listen();
    const control = await startFaultProxyControl({ postgresql: proxy });
    const url = `http://127.0.0.1:${control.port}`;
    try {
      expect((await faultProxyReport(url)).postgresql).toMatchObject({ port: proxy.port, upstream: { port: 9 }, mode: { mode: 'pass' } });
      const after = await setFaultMode(url, 'postgresql', { mode: 'latency', ms: 100, jitterMs: 10 });
      expect(after.postgresql!.mode).toEqual({ mode: 'latency', ms: 100, jitterMs: 10 });
      expect(proxy.mode).toEqual({ mode: 'latency', ms: 100, jitterMs: 10 });
      await expect(setFaultMode(url, 'mysql', { mode: 'pass' })).rejects.toThrow(/404/);
      await expect(setFaultMode(url, 'postgresql', { mode: 'drop' } as never)).rejects.toThrow(/400/);
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => control.server.close(() => resolve()));
    }
  });
});
