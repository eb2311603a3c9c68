// Summarizes a V8 .cpuprofile (node --cpu-prof; CERTCTL_CPU_PROF_DIR for the stack) by self time:
// the top functions, and the same grouped by package (node_modules/<name>, node: internals, our code).
//   node loadtest/cpuprofile-summary.mjs <file.cpuprofile> [--top 25] [--last SECONDS]
// --last counts only the samples of the profile's last SECONDS (the benchmark run, when the
// service was stopped right after it: start-up, module loading and setup are left out).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node loadtest/cpuprofile-summary.mjs <file.cpuprofile> [--top N]');
  process.exit(2);
}
const topIdx = process.argv.indexOf('--top');
const TOP = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 25;
const lastIdx = process.argv.indexOf('--last');
const LAST_US = lastIdx > 0 ? Number(process.argv[lastIdx + 1]) * 1e6 : Infinity;
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time of a node: its hit count × the sampling interval (timeDeltas give the real interval).
const from = Math.max(profile.startTime, profile.endTime - LAST_US);
const totalUs = profile.endTime - from;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
let at = profile.startTime;
let samples = 0;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i];
  if (at < from) return;
  samples++;
  hits.set(id, (hits.get(id) ?? 0) + 1);
});
const usPerSample = totalUs / Math.max(samples, 1);

const fns = new Map();
const groups = new Map();
let idle = 0;
for (const [id, count] of hits) {
  const { callFrame: f } = byId.get(id);
  const name = f.functionName || '(anonymous)';
  if (name === '(idle)') {
    idle += count;
    continue;
  }
  const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/')}:${f.lineNumber + 1}` : '';
  const key = `${name} ${where}`;
  fns.set(key, (fns.get(key) ?? 0) + count);
  groups.set(groupOf(f.url, name), (groups.get(groupOf(f.url, name)) ?? 0) + count);
}

function groupOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native/V8)';
  if (url.startsWith('node:')) return url.split('/')[0];
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const d = /\/dist\/(apps\/[^/]+|tools\/[^/]+)/.exec(url);
  return d ? `ours (${d[1]})` : 'ours';
}

const busy = samples - idle;
const pct = (n) => ((100 * n) / Math.max(busy, 1)).toFixed(1).padStart(5);
const ms = (n) => ((n * usPerSample) / 1000).toFixed(0).padStart(7);
console.log(
  `${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, busy ${((busy * usPerSample) / 1e6).toFixed(1)} s (${((100 * busy) / samples).toFixed(0)} %)`,
);
console.log(`\nby package (self time, % of busy):`);
for (const [g, n] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)} % ${ms(n)} ms  ${g}`);
console.log(`\ntop ${TOP} functions (self time, % of busy):`);
for (const [k, n] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)} % ${ms(n)} ms  ${k}`);
