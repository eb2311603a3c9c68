#!/usr/bin/env node
// Time to build and sign a DER CRL with N revoked entries (default 100,000), the same
// code path the issuance service runs (libs/pki buildCrl), in one process.
// Usage: node loadtest/crl-build.mjs [--entries 100000] [--runs 3] [--key ECDSA-P256]
import { build } from 'esbuild';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    key: { type: 'string', default: 'ECDSA-P256' },
  },
});
const n = Number(values.entries);
const out = join(root, 'dist', 'loadtest', 'pki.cjs');
await build({
  entryPoints: [join(root, 'libs', 'pki', 'src', 'index.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
});
const pki = createRequire(import.meta.url)(out);

const ca = await pki.createRootCa({ commonName: 'CRL bench CA', keyAlgorithm: values.key, validityDays: 30 });
const reasons = [0, 1, 4, 5];
const now = Date.now();
const entries = Array.from({ length: n }, (_, i) => ({
  serialNumber: pki.randomSerialHex(),
  revocationDate: new Date(now - i * 1000),
  reasonCode: reasons[i % reasons.length],
}));
const times = [];
let size = 0;
for (let run = 1; run <= Number(values.runs); run++) {
  const t = process.hrtime.bigint();
  const der = await pki.buildCrl({
    issuer: ca,
    crlNumber: BigInt(run),
    thisUpdate: new Date(),
    nextUpdate: new Date(Date.now() + 86400e3),
    entries,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  size = der.length;
  times.push(ms);
  console.log(`run ${run}: ${n} entries, ${(size / 1024 / 1024).toFixed(2)} MiB DER, ${ms.toFixed(0)} ms`);
}
times.sort((a, b) => a - b);
console.log(
  `CRL build (${values.key}, ${n} entries): best ${times[0].toFixed(0)} ms, median ${times[Math.floor(times.length / 2)].toFixed(0)} ms`,
);
