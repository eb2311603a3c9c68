// Times the challenge validators against the in-process challenge test server (loopback):
// N validations of each type, sequentially and C at a time. Run with
//   npx esbuild tools/testing/acme-validation-bench.ts --bundle --platform=node --packages=external \
//     --tsconfig=tsconfig.base.json --outfile=dist/tools/acme-validation-bench.js --log-level=warning \
//   && node dist/tools/acme-validation-bench.js [N] [C]
import { startChallengeTestServer } from '@certctl/testing';
import { ChallengeValidator, dns01TxtValue, type ChallengeType, type ValidationRequest } from '../../apps/acme/src/validation';

const N = Number(process.argv[2] ?? 200);
const C = Number(process.argv[3] ?? 20);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  const srv = await startChallengeTestServer({ http01Port: 0, tlsAlpn01Port: 0 });
  const validator = new ChallengeValidator({
    http01Port: srv.http01Port!,
    tlsAlpn01Port: srv.tlsAlpn01Port!,
    dnsServer: srv.dnsServer,
    allowPrivateAddresses: true,
    timeoutMs: 10000,
    maxRedirects: 10,
    maxBodyBytes: 65536,
  });
  const req = (type: ChallengeType, host: string, i: number): ValidationRequest => ({
    type,
    identifier: { type: 'dns', value: host },
    token: `tok${i}`,
    keyAuthorization: `tok${i}.thumb`,
  });
  const requests: Record<ChallengeType, (i: number) => Promise<ValidationRequest>> = {
    'http-01': async (i) => {
      srv.addHttp01(`tok${i}`, `tok${i}.thumb`);
      return req('http-01', `h${i}.example.com`, i);
    },
    'dns-01': async (i) => {
      srv.setTxt(`_acme-challenge.d${i}.example.com`, dns01TxtValue(`tok${i}.thumb`));
      return req('dns-01', `d${i}.example.com`, i);
    },
    'tls-alpn-01': async (i) => {
      await srv.addTlsAlpn01(`t${i}.example.com`, `tok${i}.thumb`);
      return req('tls-alpn-01', `t${i}.example.com`, i);
    },
  };
  for (const [type, make] of Object.entries(requests)) {
    const reqs: ValidationRequest[] = [];
    for (let i = 0; i < N; i++) reqs.push(await make(i));
    for (const concurrency of [1, C]) {
      const times: number[] = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < reqs.length) {
            const req = reqs[next++]!;
            const s = performance.now();
            const r = await validator.validate(req);
            if (!r.ok) throw new Error(`${type}: ${r.problem.detail}`);
            times.push(performance.now() - s);
          }
        }),
      );
      const wall = (performance.now() - t0) / 1000;
      times.sort((a, b) => a - b);
      console.log(
        `${type.padEnd(12)} concurrency ${String(concurrency).padStart(2)}: ${N} valid in ${wall.toFixed(2)} s = ${(N / wall).toFixed(0)}/s; ` +
          `p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
      );
    }
  }
  await srv.stop();
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
