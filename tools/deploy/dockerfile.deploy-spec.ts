// deploy/Dockerfile (and deploy/Dockerfile.agent when the agent has one), parsed: no container
// engine here to build them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './deploy-tools';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Instructions of a Dockerfile: comments dropped, continuation lines joined. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (line === '' || line.startsWith('#'))) return;
    if (!buf) start = i + 1;
    buf += (buf ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      const m = /^(\S+)\s*(.*)$/.exec(buf)!;
      out.push({ op: m[1].toUpperCase(), args: m[2], line: start });
      buf = '';
    }
  });
  return out;
}

const SECRET_NAME = /(KEY|KEYS|SECRET|PASSWORD|TOKEN|CREDENTIALS?)($|_)|DATABASE_URL|REDIS_URL/i;

/** The problems of one Dockerfile, as readable lines (empty: none). */
export function dockerfileProblems(text: string): string[] {
  const ins = parseDockerfile(text);
  const problems: string[] = [];
  const args = new Map<string, string | undefined>();
  for (const i of ins.filter((x) => x.op === 'ARG')) {
    const [name, value] = i.args.split('=', 2);
    args.set(name.trim(), value?.trim());
  }
  const froms = ins.filter((i) => i.op === 'FROM');
  if (!froms.length) problems.push('no FROM');
  const stages = new Set(froms.map((f) => /\bAS\s+(\S+)/i.exec(f.args)?.[1]).filter(Boolean));
  for (const f of froms) {
    const image = f.args.split(/\s+/)[0];
    if (stages.has(image)) continue; // an earlier stage
    const m = /@\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(image);
    if (!m) problems.push(`line ${f.line}: FROM ${image} is not pinned by a digest variable (…@\${DIGEST})`);
    else if (!/^sha256:[0-9a-f]{64}$/.test(args.get(m[1]) ?? ''))
      problems.push(`line ${f.line}: ARG ${m[1]} must default to a sha256:<64 hex> digest`);
  }
  const lastFrom = froms.length ? ins.indexOf(froms[froms.length - 1]) : 0;
  const runtime = ins.slice(lastFrom);
  const users = runtime.filter((i) => i.op === 'USER');
  const user = users[users.length - 1]?.args.split(':')[0];
  if (!user) problems.push('the final stage sets no USER (it would run as root)');
  else if (user === 'root' || user === '0') problems.push(`the final stage runs as ${user}`);
  else if (!/^[1-9][0-9]*$/.test(user)) problems.push(`USER ${user}: use a numeric uid so Kubernetes can verify runAsNonRoot`);
  const env = runtime
    .filter((i) => i.op === 'ENV')
    .map((i) => i.args)
    .join(' ');
  if (!/\bNODE_ENV=production\b/.test(env)) problems.push('the final stage does not set NODE_ENV=production');
  for (const i of ins.filter((x) => x.op === 'ARG' || x.op === 'ENV')) {
    for (const [, name] of i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)/g)) {
      if (SECRET_NAME.test(name)) problems.push(`line ${i.line}: ${i.op} ${name} would bake a secret into the image (pass it at run time)`);
    }
  }
  return problems;
}

const FILES = ['deploy/Dockerfile', 'deploy/Dockerfile.agent', 'deploy/agent/Containerfile'].filter(
  (f) => f === 'deploy/Dockerfile' || existsSync(join(ROOT, f)),
);

describe('Dockerfiles', () => {
  it.each(FILES)('%s: base image pinned by digest variable, non-root USER, NODE_ENV=production, no secrets in ARG/ENV', (file) => {
    expect(dockerfileProblems(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('deploy/Dockerfile builds every service from one file (no default service) and keeps only production dependencies', () => {
    const ins = parseDockerfile(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8'));
    expect(ins.some((i) => i.op === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(ins.filter((i) => i.op === 'FROM')).toHaveLength(2);
  });

  it('catches what it checks: a tag without a digest, root, a secret ARG, development mode', () => {
    const bad = [
      'ARG API_TOKEN=abc',
      'FROM node:20-bookworm-slim AS build',
      'FROM node:20-bookworm-slim',
      'ENV NODE_ENV=development CERTCTL_ENCRYPTION_KEY=x',
      'USER root',
    ].join('\n');
    const problems = dockerfileProblems(bad).join('\n');
    expect(problems).toMatch(/line 2: FROM node:20-bookworm-slim is not pinned/);
    expect(problems).toMatch(/runs as root/);
    expect(problems).toMatch(/ARG API_TOKEN would bake a secret/);
    expect(problems).toMatch(/ENV CERTCTL_ENCRYPTION_KEY would bake a secret/);
    expect(problems).toMatch(/does not set NODE_ENV=production/);
    expect(dockerfileProblems('ARG D=sha256:abc\nFROM node@${D}\nENV NODE_ENV=production\n')).toEqual([
      'line 2: ARG D must default to a sha256:<64 hex> digest',
      'the final stage sets no USER (it would run as root)',
    ]);
  });
});
