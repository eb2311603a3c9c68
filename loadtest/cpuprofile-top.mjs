#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (node --cpu-prof) by self time: the functions where the samples
// land, and the same grouped by package (node_modules/<pkg>, node: internals, our libs/apps).
// With --last N only the samples of the profile's last N seconds count (the benchmark, not the
// start-up). "by own function" charges each sample to the innermost frame of this repository's
// code (dist/apps/<service>/main.js) on its stack: the cost of our functions including the
// library and runtime work they call.
//   node loadtest/cpuprofile-top.mjs <file.cpuprofile> [--top 30] [--last 45]
// Profiles of the services npm start runs: CERTCTL_CPU_PROF_DIR=/tmp/prof (CERTCTL_CPU_PROF_SERVICES
// to name some); each is written when its service exits (npm stop / Ctrl-C).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, last: { type: 'string' } },
});
if (!positionals.length) {
  console.error('usage: node loadtest/cpuprofile-top.mjs <file.cpuprofile> [--top 30]');
  process.exit(2);
}
const top = Number(values.top);

function where(url) {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:';
  const m = /(apps|libs)\/[^/]+/.exec(url);
  return m ? m[0] : url;
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const from = values.last ? profile.endTime - Number(values.last) * 1e6 : -Infinity;
  const counts = new Map();
  let t = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    if (t < from) return;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    total++;
  });
  const us = profile.endTime - Math.max(profile.startTime, from);
  const own = (url) => /dist\/apps\/[^/]+\/main\.js/.test(url ?? '');
  const byOwn = new Map();
  const byFn = new Map();
  const byPkg = new Map();
  for (const [id, n] of counts) {
    const node = nodes.get(id);
    const cf = node.callFrame;
    const key = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${cf.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist|apps|libs)\//, '$1/')}:${cf.lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + n);
    const pkg = ['(idle)', '(program)', '(garbage collector)'].includes(cf.functionName) ? cf.functionName : where(cf.url);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + n);
    if (pkg !== '(idle)') {
      let at = id;
      while (at !== undefined && !own(nodes.get(at).callFrame.url)) at = parent.get(at);
      const f = at === undefined ? null : nodes.get(at).callFrame;
      const k = f ? `${f.functionName || '(anonymous)'}:${f.lineNumber + 1}` : '(no own frame)';
      byOwn.set(k, (byOwn.get(k) ?? 0) + n);
    }
  }
  const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
  const ms = (n) => `${((us / 1000) * (n / total)).toFixed(0).padStart(7)} ms`;
  console.log(`\n${file}: ${total} samples over ${(us / 1e6).toFixed(1)} s`);
  console.log('\n  self time by package / area');
  for (const [k, n] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n)} ${ms(n)}  ${k}`);
  console.log('\n  self time by function');
  for (const [k, n] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n)} ${ms(n)}  ${k}`);
  console.log('\n  by own function (innermost frame of our bundle on the stack)');
  for (const [k, n] of [...byOwn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n)} ${ms(n)}  ${k}`);
}
