// The fault proxies of a test stack in a process of their own (libs/testing/src/fault-proxy.ts):
//   node fault-proxies.js '{"postgresql":"127.0.0.1:5432","redis":"127.0.0.1:6379"}'
// starts one proxy per upstream and the control endpoint, prints one JSON line
// ({"control": <port>, "proxies": {"<name>": <port>}}) and runs until SIGTERM or until its
// standard input closes (the process that started it is gone).
import { FaultProxy, startFaultProxyControl } from './fault-proxy';

async function main(): Promise<void> {
  const upstreams = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
  const proxies: Record<string, FaultProxy> = {};
  for (const [name, address] of Object.entries(upstreams)) {
    const at = address.lastIndexOf(':');
    proxies[name] = new FaultProxy({ upstreamHost: address.slice(0, at), upstreamPort: Number(address.slice(at + 1)) });
    await proxies[name].listen();
  }
  const control = await startFaultProxyControl(proxies);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.stdout.write(
    `${JSON.stringify({ control: control.port, proxies: Object.fromEntries(Object.entries(proxies).map(([n, p]) => [n, p.port])) })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`fault proxies: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
