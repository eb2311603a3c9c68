// Foreground runner for `npm start`: starts the seven services, waits for readiness,
// prints where everything is, and stops them all (gracefully) on Ctrl-C or SIGTERM.
import { existsSync } from 'node:fs';
import { SERVICES, type Stack, adminKeyFile, startStack } from '@certctl/testing';

const sinceIdx = process.argv.indexOf('--since');
const since = sinceIdx > 0 ? Number(process.argv[sinceIdx + 1]) * 1000 : Date.now();
const t0 = Date.now();
async function main(): Promise<void> {
  let stack: Stack;
  try {
    stack = await startStack();
  } catch (err) {
    console.error(`[start] ${(err as Error).message}`);
    process.exit(1);
  }
  const host = process.env.CERTCTL_HOST ?? '127.0.0.1';
  console.log(
    `\n[start] all ${SERVICES.length} services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${((Date.now() - since) / 1000).toFixed(1)} s since npm start)`,
  );
  console.log(`\n  REST API     http://${host}:${stack.ports.gateway}/api/v1   (e.g. /api/v1/certificates)`);
  for (const s of SERVICES) console.log(`  ${s.name.padEnd(13)} http://${host}:${stack.ports[s.name]}/health  /ready  /metrics`);
  const keyFile = adminKeyFile();
  console.log(`\n  admin API key: ${existsSync(keyFile) ? keyFile : 'the CERTCTL_BOOTSTRAP_ADMIN_KEY you set at first start'}`);
  console.log(`  logs:          ${stack.logDir}/<service>.log`);
  console.log(
    `  example:       curl -H "Authorization: Bearer $(cat ${keyFile})" http://${host}:${stack.ports.gateway}/api/v1/certificates`,
  );
  console.log('\n  Ctrl-C stops the services; `npm stop` also stops PostgreSQL, Redis and NATS.\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[start] ${signal}: stopping services`);
    await stack.stop('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  for (const [name, child] of Object.entries(stack.children)) {
    void child.exited.then(({ code, signal }) => {
      if (!stopping) console.error(`[start] ${name} exited (code ${code}, signal ${signal}); see ${stack.logDir}/${name}.log`);
    });
  }
}

void main();
