// Test helpers for the deployment files: the tools tools/deploy/install-tools.sh installed
// (helm, kubeconform with the Kubernetes schemas, docker-compose), and rendering.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(__dirname, '../..');
export const CHART = join(ROOT, 'deploy/helm/certctl');
export const COMPOSE_FILE = join(ROOT, 'deploy/compose/docker-compose.yml');

/** A Kubernetes object as rendered (only what the tests read is typed). */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rest is untyped YAML the tests walk
  [k: string]: any;
};

function dataDir(): string {
  const dir = process.env.CERTCTL_DATA_DIR || '.local';
  return resolve(ROOT, dir);
}

export interface DeployTools {
  HELM: string;
  KUBECONFORM: string;
  K8S_SCHEMAS: string;
  KUBERNETES_VERSION: string;
}

let tools: DeployTools | undefined;
/** The installed tools; a clear error (not a skip) when tools/deploy/install-tools.sh has not run. */
export function deployTools(): DeployTools {
  if (tools) return tools;
  const file = join(dataDir(), 'tools/deploy-tools.env');
  if (!existsSync(file)) throw new Error(`${file} is missing: run bash tools/deploy/install-tools.sh first (tools/test.sh does)`);
  const env = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as unknown as DeployTools;
  for (const path of [env.HELM, env.KUBECONFORM, env.K8S_SCHEMAS]) {
    if (!path || !existsSync(path)) throw new Error(`${path} is missing: run bash tools/deploy/install-tools.sh`);
  }
  return (tools = env);
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` of the chart (release "certctl" in namespace "certctl"), as text. */
export function helmTemplate(args: string[] = []): RunResult {
  return run(deployTools().HELM, ['template', 'certctl', CHART, '--namespace', 'certctl', ...args]);
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0].message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Rendered objects of the chart with these values files (relative to the chart) and --set flags. */
export function render(valuesFiles: string[] = [], sets: string[] = []): { text: string; objects: K8sObject[] } {
  const r = helmTemplate([...valuesFiles.flatMap((f) => ['-f', join(CHART, f)]), ...sets.flatMap((s) => ['--set', s])]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return { text: r.stdout, objects: parseManifests(r.stdout) };
}

/** `helm template` with a whole values document given as text (read from standard input). */
export function helmTemplateValues(valuesYaml: string): RunResult {
  return run(deployTools().HELM, ['template', 'certctl', CHART, '--namespace', 'certctl', '--values', '-'], { input: valuesYaml });
}

/** kubeconform, strict, against the Kubernetes OpenAPI schemas installed locally (no network). */
export function kubeconform(manifests: string, skip: string[] = []): RunResult {
  const t = deployTools();
  const dir = mkdtempSync(join(tmpdir(), 'certctl-kubeconform-'));
  const file = join(dir, 'manifests.yaml');
  writeFileSync(file, manifests);
  return run(t.KUBECONFORM, [
    '-strict',
    '-summary',
    '-kubernetes-version',
    t.KUBERNETES_VERSION.replace(/^v/, ''),
    '-schema-location',
    `${t.K8S_SCHEMAS}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    ...(skip.length ? ['-skip', skip.join(',')] : []),
    file,
  ]);
}

/** Pod templates of the workloads (Deployments, StatefulSets, Jobs). */
export function podTemplates(objects: K8sObject[]): { owner: K8sObject; spec: K8sObject['spec'] }[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))
    .map((o) => ({ owner: o, spec: o.spec.template.spec }));
}

/** The chart's example values files. */
export const EXAMPLES = ['examples/external.yaml', 'examples/bundled.yaml', 'examples/ha.yaml', 'examples/ocsp-split.yaml'];
