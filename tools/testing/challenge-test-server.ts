// Standalone challenge test server (like Pebble's challtestsrv), built to
// dist/tools/challenge-test-server.js by tools/build/build.mjs:
//   node dist/tools/challenge-test-server.js --dns-port 8053 --management-port 8055 \
//     [--http01-port 5002] [--tlsalpn01-port 5001] [--host 127.0.0.1] [--default-ipv4 127.0.0.1] [--default-ipv6 ::1]
// Port 0 picks a free port. When ready it prints one JSON line with the actual ports
// ({"dnsPort":...,"managementPort":...,...}) and runs until SIGINT or SIGTERM.
import {
  CHALLENGE_SERVER_FLAGS,
  startChallengeTestServer,
  type ChallengeTestServerOptions,
  type ChallengeTestServerPorts,
} from '@certctl/testing';

const FLAGS = Object.fromEntries(Object.entries(CHALLENGE_SERVER_FLAGS).map(([key, flag]) => [flag, key])) as Record<
  string,
  keyof ChallengeTestServerOptions
>;
const NUMERIC = new Set<keyof ChallengeTestServerOptions>(['dnsPort', 'managementPort', 'http01Port', 'tlsAlpn01Port', 'ttl']);

export function parseArgs(argv: string[]): ChallengeTestServerOptions {
  const opts: Record<string, string | number> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]!];
    const value = argv[i + 1];
    if (!key || value === undefined) throw new Error(`unknown or incomplete option ${argv[i]}; options: ${Object.keys(FLAGS).join(' ')}`);
    if (NUMERIC.has(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${argv[i]} must be an integer 0..65535`);
      opts[key] = n;
    } else {
      opts[key] = value;
    }
  }
  return opts as ChallengeTestServerOptions;
}

async function main(): Promise<void> {
  let opts: ChallengeTestServerOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`[challenge-test-server] ${(err as Error).message}`);
    process.exit(2);
  }
  const server = await startChallengeTestServer(opts);
  const ports: ChallengeTestServerPorts = {
    host: server.host,
    dnsPort: server.dnsPort,
    managementPort: server.managementPort,
    http01Port: server.http01Port,
    tlsAlpn01Port: server.tlsAlpn01Port,
    dnsServer: server.dnsServer,
  };
  process.stdout.write(`${JSON.stringify(ports)}\n`);
  const stop = () => {
    server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`[challenge-test-server] ${err.message}`);
    process.exit(1);
  });
}
