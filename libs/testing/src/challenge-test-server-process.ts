// The challenge test server as a child process (dist/tools/challenge-test-server.js), for
// an e2e global setup that keeps its pid in the state file and stops it in teardown.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChallengeTestServerOptions, ChallengeTestServerPorts } from './challenge-test-server';
import { ROOT } from './paths';

export interface ChallengeTestServerProcess extends ChallengeTestServerPorts {
  pid: number;
  stop(): Promise<void>;
}

/** The command-line option of each setting. */
export const CHALLENGE_SERVER_FLAGS: Record<keyof ChallengeTestServerOptions, string> = {
  dnsPort: '--dns-port',
  managementPort: '--management-port',
  http01Port: '--http01-port',
  tlsAlpn01Port: '--tlsalpn01-port',
  host: '--host',
  defaultIPv4: '--default-ipv4',
  defaultIPv6: '--default-ipv6',
  ttl: '--ttl',
};

/** Starts the built server (run tools/build/build.mjs first) and resolves with the ports it printed. */
export async function spawnChallengeTestServer(o: ChallengeTestServerOptions = {}, timeoutMs = 60000): Promise<ChallengeTestServerProcess> {
  const args = Object.entries(o).flatMap(([k, v]) =>
    v === undefined ? [] : [CHALLENGE_SERVER_FLAGS[k as keyof ChallengeTestServerOptions], String(v)],
  );
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'tools', 'challenge-test-server.js'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await Promise.race([
      new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve)),
      exited.then((code) => Promise.reject(new Error(`challenge test server exited (${code}) before it was ready`))),
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`challenge test server not ready in ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]);
    return { ...(JSON.parse(line) as ChallengeTestServerPorts), pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
