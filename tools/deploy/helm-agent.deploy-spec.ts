// The agent's DaemonSet in the Helm chart, rendered by a real helm and checked against the
// Kubernetes schemas and against the agent's own configuration rules (the same validateConfig
// the agent runs at start), so the chart cannot hand it a configuration it would refuse.
import { join } from 'node:path';
import { overlayEnvironment, validateConfig } from '../../apps/agent/src/config/config.schema';
import { CHART, type K8sObject, deployTools, kubeconform, render, run } from './deploy-tools';

const EXAMPLE = 'examples/agent.yaml';
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
};

const daemonSets = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'DaemonSet');

/** The environment a node would give the agent: field references and Secret keys filled with stand-ins. */
function resolvedEnv(env: EnvVar[]): Record<string, string> {
  return Object.fromEntries(
    env.map((e) => [
      e.name,
      e.value ??
        (e.valueFrom?.fieldRef ? `node-${e.valueFrom.fieldRef.fieldPath}` : `secret-${e.valueFrom?.secretKeyRef?.key}-0123456789abcdef`),
    ]),
  );
}

describe('Helm chart: the agent DaemonSet', () => {
  let example: ReturnType<typeof render>;
  beforeAll(() => {
    deployTools();
    example = render([EXAMPLE]);
  });

  it('is off by default', () => {
    expect(daemonSets(render().objects)).toEqual([]);
  });

  it('lints strictly and renders manifests valid against the Kubernetes OpenAPI schemas', () => {
    const lint = run(deployTools().HELM, ['lint', '--strict', CHART, '-f', join(CHART, EXAMPLE)]);
    expect({ status: lint.status, out: lint.status ? lint.stdout + lint.stderr : '' }).toEqual({ status: 0, out: '' });
    const r = kubeconform(example.text, ['HTTPRoute', 'ServiceMonitor']);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringMatching(/Invalid: 0, Errors: 0/) });
    expect(daemonSets(example.objects)).toHaveLength(1);
  });

  it('hands the agent a configuration its own validation accepts, named after the node, the credential from the Secret', () => {
    const [ds] = daemonSets(example.objects);
    const [agent] = ds.spec.template.spec.containers;
    const env = agent.env as EnvVar[];
    const checked = validateConfig(overlayEnvironment({}, resolvedEnv(env)));
    expect(checked).toMatchObject({
      ok: true,
      config: { server_url: 'https://certctl.example.com', discovery_dirs: ['/etc/ssl/certctl'] },
    });
    expect(env.find((e) => e.name === 'CERTCTL_AGENT_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.find((e) => e.name === 'CERTCTL_AGENT_BOOTSTRAP_TOKEN')?.valueFrom).toEqual({
      secretKeyRef: { name: 'certctl-agent', key: 'bootstrap-token' },
    });
    expect(env.filter((e) => /TOKEN|KEY$/.test(e.name) && e.value !== undefined)).toEqual([]); // no credential in clear
  });

  it('with the default in-cluster URL, allows http explicitly (else the agent would refuse to start)', () => {
    const { objects } = render([], ['agent.enabled=true', 'agent.existingSecret=agent-key']);
    const env = daemonSets(objects)[0].spec.template.spec.containers[0].env as EnvVar[];
    const resolved = resolvedEnv(env);
    expect(resolved.CERTCTL_SERVER_URL).toMatch(/^http:\/\/certctl-gateway:8080\/$/);
    expect(validateConfig(overlayEnvironment({}, resolved))).toMatchObject({ ok: true });
    expect(validateConfig(overlayEnvironment({}, { ...resolved, CERTCTL_AGENT_ALLOW_HTTP: '' }))).toMatchObject({ ok: false });
    expect(resolved.CERTCTL_API_KEY).toBeDefined();
  });

  it('runs the agent non-root with a read-only root, no capabilities; only the ownership step runs as root, with three', () => {
    const spec = daemonSets(example.objects)[0].spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(spec.containers[0].securityContext.capabilities.add).toBeUndefined();
    const [prepare] = spec.initContainers;
    expect(prepare.command).toEqual([
      'install',
      '-d',
      '-o',
      '10001',
      '-g',
      '10001',
      '-m',
      '0700',
      '/var/lib/certctl-agent/state',
      '/var/lib/certctl-agent/keys',
    ]);
    expect(prepare.securityContext).toMatchObject({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER', 'DAC_OVERRIDE'] },
    });
    const off = render([EXAMPLE], ['agent.prepareHostPaths=false']);
    expect(daemonSets(off.objects)[0].spec.template.spec.initContainers).toBeUndefined();
  });

  it('keeps keys and journal on the node and mounts each host directory at its own path', () => {
    const spec = daemonSets(example.objects)[0].spec.template.spec;
    const volumes = Object.fromEntries(spec.volumes.map((v: { name: string; hostPath?: unknown }) => [v.name, v.hostPath]));
    expect(volumes.state).toEqual({ path: '/var/lib/certctl-agent', type: 'DirectoryOrCreate' });
    expect(volumes['host-tls']).toEqual({ path: '/etc/ssl/certctl', type: 'DirectoryOrCreate' });
    const mounts = Object.fromEntries(
      spec.containers[0].volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]),
    );
    expect(mounts).toMatchObject({ state: '/var/lib/certctl-agent', 'host-tls': '/etc/ssl/certctl', 'ca-bundle': '/etc/certctl-agent/ca' });
  });

  it('refuses to render without the Secret naming the credential, with a message saying so', () => {
    const r = run(deployTools().HELM, ['template', 'certctl', CHART, '--set', 'agent.enabled=true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/agent.*existingSecret/);
    const bad = run(deployTools().HELM, [
      'template',
      'certctl',
      CHART,
      '-f',
      join(CHART, EXAMPLE),
      '--set',
      'agent.discoveryDirs[0]=relative/dir',
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/discoveryDirs/);
  });
});
