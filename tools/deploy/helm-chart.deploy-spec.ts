// The Helm chart, rendered by a real helm (v4) and checked against the Kubernetes OpenAPI
// schemas and the services' own config schemas. No cluster: `helm template` and kubeconform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BUS_SERVICES, type BusService } from '@certctl/contracts';
import {
  CHART,
  EXAMPLES,
  ROOT,
  type K8sObject,
  deployTools,
  helmTemplate,
  helmTemplateValues,
  kubeconform,
  parseManifests,
  podTemplates,
  render,
  run,
} from './deploy-tools';
import { missingEnv, serviceRequirements } from './required-env';

const VALUE_SETS: { name: string; files: string[] }[] = [
  { name: 'default values', files: [] },
  ...EXAMPLES.map((f) => ({ name: f, files: [f] })),
];
const rendered = new Map<string, ReturnType<typeof render>>();
const renderSet = (files: string[]) => {
  const key = files.join(',');
  if (!rendered.has(key)) rendered.set(key, render(files));
  return rendered.get(key)!;
};

const deployments = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment');
const serviceOf = (d: K8sObject) => d.spec.template.metadata.labels['app.kubernetes.io/name'] as BusService;
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const CERTCTL_IMAGE = /certctl-ts:/;
/** Kinds kubeconform skips: CRDs (Gateway API, Prometheus Operator) whose schemas are not in the Kubernetes API spec. */
const CRD_KINDS = ['HTTPRoute', 'ServiceMonitor', 'PrometheusRule'];
const PROMETHEUS_OPERATOR_APIS = ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PrometheusRule'];
/** The rules Prometheus is documented to load (checked by promtool), and the chart's copy of them. */
const RULES_FILE = join(ROOT, 'deploy/prometheus/certctl-rules.yml');
const CHART_RULES_FILE = join(CHART, 'files/certctl-rules.yml');
/** `helm template` with these API versions announced (as a cluster with those CRDs would) and --set flags. */
const renderWithApis = (apis: string[], sets: string[] = []) => {
  const r = helmTemplate([...apis.flatMap((a) => ['--api-versions', a]), ...sets.flatMap((s) => ['--set', s])]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return { text: r.stdout, objects: parseManifests(r.stdout) };
};

describe('Helm chart deploy/helm/certctl', () => {
  beforeAll(() => deployTools());

  it('passes helm lint --strict with the default values and with every example', () => {
    for (const { name, files } of VALUE_SETS) {
      const r = run(deployTools().HELM, ['lint', '--strict', CHART, ...files.flatMap((f) => ['-f', join(CHART, f)])]);
      expect({ name, status: r.status, out: r.status ? r.stdout + r.stderr : '' }).toEqual({ name, status: 0, out: '' });
    }
  });

  it.each(VALUE_SETS)('renders $name into manifests valid against the Kubernetes OpenAPI schemas', ({ files }) => {
    const { text, objects } = renderSet(files);
    expect(deployments(objects).map(serviceOf).sort()).toEqual([...BUS_SERVICES].sort());
    // HTTPRoute (Gateway API), ServiceMonitor and PrometheusRule are CRDs, not in the Kubernetes API spec.
    const r = kubeconform(text, CRD_KINDS);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringMatching(/Invalid: 0, Errors: 0/) });
  });

  it('has a schema validation that refuses a misspelt field and a wrong type (so the check above means something)', () => {
    const good = renderSet([]).text;
    const typo = good.replace(/^( {6})serviceAccountName:/m, '$1serviceAcountName:');
    const wrongType = good.replace(/^( {2})replicas: 2$/m, '$1replicas: "two"');
    expect(typo).not.toEqual(good);
    expect(wrongType).not.toEqual(good);
    expect(kubeconform(typo).stdout).toMatch(/serviceAcountName/);
    expect(kubeconform(typo).status).not.toBe(0);
    expect(kubeconform(wrongType).status).not.toBe(0);
  });

  it.each(VALUE_SETS)(
    '$name: every pod runs non-root, seccomp RuntimeDefault, no privilege escalation, all capabilities dropped',
    ({ files }) => {
      const pods = podTemplates(renderSet(files).objects);
      expect(pods.length).toBeGreaterThanOrEqual(8);
      for (const { owner, spec } of pods) {
        const where = `${owner.kind}/${owner.metadata.name}`;
        expect({ where, nonRoot: spec.securityContext?.runAsNonRoot, seccomp: spec.securityContext?.seccompProfile?.type }).toEqual({
          where,
          nonRoot: true,
          seccomp: 'RuntimeDefault',
        });
        expect({ where, automount: spec.automountServiceAccountToken }).toEqual({ where, automount: false });
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const sc = c.securityContext ?? {};
          expect({ where, container: c.name, escalation: sc.allowPrivilegeEscalation, drop: sc.capabilities?.drop }).toEqual({
            where,
            container: c.name,
            escalation: false,
            drop: ['ALL'],
          });
          // The platform's own image never writes its root file system (the bundled servers' images do).
          if (CERTCTL_IMAGE.test(c.image))
            expect({ where, container: c.name, readOnly: sc.readOnlyRootFilesystem }).toEqual({ where, container: c.name, readOnly: true });
        }
      }
    },
  );

  it.each(VALUE_SETS)('$name: each service probes /health (liveness) and /ready (readiness) on its named http port', ({ files }) => {
    for (const d of deployments(renderSet(files).objects)) {
      const [c] = d.spec.template.spec.containers;
      const http = c.ports.find((p: { name: string }) => p.name === 'http');
      expect(http).toBeDefined();
      expect({ svc: serviceOf(d), live: c.livenessProbe?.httpGet, ready: c.readinessProbe?.httpGet }).toEqual({
        svc: serviceOf(d),
        live: { path: '/health', port: 'http' },
        ready: { path: '/ready', port: 'http' },
      });
    }
  });

  it('gives every service its own ServiceAccount and a PodDisruptionBudget that selects its pods', () => {
    const { objects } = renderSet([]);
    const accounts = new Set(byKind(objects, 'ServiceAccount').map((s) => s.metadata.name));
    const pdbs = byKind(objects, 'PodDisruptionBudget');
    for (const d of deployments(objects)) {
      const spec = d.spec.template.spec;
      expect(accounts.has(spec.serviceAccountName)).toBe(true);
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const matching = pdbs.filter((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect({ svc: serviceOf(d), pdbs: matching.map((p) => p.spec.maxUnavailable) }).toEqual({ svc: serviceOf(d), pdbs: [1] });
    }
    for (const sa of byKind(objects, 'ServiceAccount')) expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('runs the migration as a Job hook before the services roll (pre-install, pre-upgrade)', () => {
    const jobs = byKind(renderSet(['examples/external.yaml']).objects, 'Job');
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    expect(job.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const [c] = job.spec.template.spec.containers;
    expect(c.command.join(' ')).toContain('node tools/db/migrate.mjs');
    expect(c.command.join(' ')).toContain('node dist/tools/seed.js'); // external.yaml seeds
    expect(c.env.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['DATABASE_URL', 'CERTCTL_BOOTSTRAP_ADMIN_KEY']));
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    // With bundled servers, PostgreSQL only exists after the pre-install hooks: the Job runs after install.
    const [bundledJob] = byKind(renderSet(['examples/bundled.yaml']).objects, 'Job');
    expect(bundledJob.metadata.annotations!['helm.sh/hook']).toBe('post-install,pre-upgrade');
  });

  it.each(VALUE_SETS)('$name: every service gets every variable its config schema requires (and its bus credentials)', ({ files }) => {
    for (const d of deployments(renderSet(files).objects)) {
      const svc = serviceOf(d);
      const env = (d.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string; valueFrom?: unknown }[];
      const present = env.filter((e) => (e.value !== undefined && e.value !== '') || e.valueFrom).map((e) => e.name);
      expect({ svc, missing: missingEnv(serviceRequirements(svc, true), present) }).toEqual({ svc, missing: [] });
    }
  });

  it('the required-variable check catches a service left without its encryption key (the bug this chart once had)', () => {
    const values = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    const broken = values.replace(/(- name: acme\n(?: {4}.*\n)*? {4}encryptionKey: )true/, '$1false');
    expect(broken).not.toEqual(values);
    const r = helmTemplateValues(broken);
    expect(r.status).toBe(0);
    const objects = parseManifests(r.stdout);
    const acme = deployments(objects).find((d) => serviceOf(d) === 'acme')!;
    const present = acme.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(missingEnv(serviceRequirements('acme'), present)).toEqual([['CERTCTL_ENCRYPTION_KEY', 'CERTCTL_ENCRYPTION_KEYS']]);
  });

  it('points the gateway at the acme and revocation Services it forwards to, and at every Service it asks /ready', () => {
    const { objects } = renderSet([]);
    const services = new Map(byKind(objects, 'Service').map((s) => [s.metadata.name, s.spec.ports[0].port]));
    const gateway = deployments(objects).find((d) => serviceOf(d) === 'gateway')!;
    const env = Object.fromEntries(
      gateway.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]),
    );
    for (const [variable, target] of [
      ['CERTCTL_ACME_URL', 'acme'],
      ['CERTCTL_REVOCATION_URL', 'revocation'],
      ['CERTCTL_INVENTORY_URL', 'inventory'],
      ['CERTCTL_ISSUANCE_URL', 'issuance'],
      ['CERTCTL_SCHEDULER_URL', 'scheduler'],
      ['CERTCTL_NOTIFICATIONS_URL', 'notifications'],
    ]) {
      const url = new URL(env[variable]);
      expect(services.get(url.hostname)).toBe(Number(url.port));
      expect(url.hostname).toBe(`certctl-${target}`);
    }
  });

  it('routes the ingress to the gateway, and /.well-known/pki straight to revocation with ocspSplit', () => {
    const { objects } = renderSet(['examples/ocsp-split.yaml']);
    const services = new Map(byKind(objects, 'Service').map((s) => [s.metadata.name, s.spec.ports[0].port]));
    const [ingress] = byKind(objects, 'Ingress');
    const paths = ingress.spec.rules[0].http.paths as { path: string; backend: { service: { name: string; port: { number: number } } } }[];
    const to = Object.fromEntries(paths.map((p) => [p.path, p.backend.service.name]));
    expect(to).toEqual({
      '/.well-known/pki': 'certctl-revocation',
      '/api': 'certctl-gateway',
      '/acme': 'certctl-gateway',
      '/.well-known': 'certctl-gateway',
      '/scep': 'certctl-gateway',
      '/': 'certctl-gateway',
    });
    for (const p of paths) expect(services.get(p.backend.service.name)).toBe(p.backend.service.port.number);
    expect(ingress.spec.tls[0].secretName).toBe('pki-example-com-tls');
    const [route] = byKind(objects, 'HTTPRoute');
    expect(route.spec.rules[0].matches[0].path.value).toBe('/.well-known/pki');
    expect(route.spec.rules[0].backendRefs[0].name).toBe('certctl-revocation');
  });

  it('scales: the HA example runs 3 replicas of every service, autoscales the request paths', () => {
    const { objects } = renderSet(['examples/ha.yaml']);
    const hpas = byKind(objects, 'HorizontalPodAutoscaler');
    const scaled = new Set(hpas.map((h) => h.spec.scaleTargetRef.name));
    for (const d of deployments(objects)) {
      if (scaled.has(d.metadata.name))
        expect(d.spec.replicas).toBeUndefined(); // the HPA owns it
      else expect(d.spec.replicas).toBe(3);
    }
    expect([...scaled].sort()).toEqual(['certctl-gateway', 'certctl-inventory']);
    for (const h of hpas) expect(h.spec.minReplicas).toBe(3);
  });

  it('renders a ServiceMonitor only when the Prometheus Operator CRDs are present', () => {
    expect(byKind(renderSet([]).objects, 'ServiceMonitor')).toHaveLength(0);
    const r = helmTemplate(['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kind: ServiceMonitor/);
  });

  describe('PrometheusRule (the rules of deploy/prometheus/certctl-rules.yml for the Prometheus Operator)', () => {
    it('ships a byte-identical copy of deploy/prometheus/certctl-rules.yml in the chart (Helm reads no file outside it)', () => {
      const copy = readFileSync(CHART_RULES_FILE, 'utf8');
      const rules = readFileSync(RULES_FILE, 'utf8');
      expect(
        copy === rules ? 'identical' : 'differs: cp deploy/prometheus/certctl-rules.yml deploy/helm/certctl/files/certctl-rules.yml',
      ).toBe('identical');
    });

    it('is not rendered without the Prometheus Operator CRDs (default values and every example)', () => {
      for (const { name, files } of VALUE_SETS)
        expect({ name, rules: byKind(renderSet(files).objects, 'PrometheusRule').length }).toEqual({ name, rules: 0 });
      // The ServiceMonitor's API alone does not announce the PrometheusRule's.
      expect(byKind(renderWithApis(['monitoring.coreos.com/v1/ServiceMonitor']).objects, 'PrometheusRule')).toHaveLength(0);
    });

    it('with the CRDs: one PrometheusRule whose groups are exactly those of the rules file, with the ruleSelector labels', () => {
      const { objects } = renderWithApis(PROMETHEUS_OPERATOR_APIS, [
        'metrics.prometheusRule.labels.release=kube-prometheus-stack',
        'metrics.prometheusRule.labels.role=alert-rules',
      ]);
      const rules = byKind(objects, 'PrometheusRule');
      expect(rules).toHaveLength(1);
      const [rule] = rules;
      expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(rule.metadata.name).toBe('certctl');
      expect(rule.metadata.labels).toEqual(
        expect.objectContaining({
          release: 'kube-prometheus-stack',
          role: 'alert-rules',
          'app.kubernetes.io/part-of': 'certctl',
          'app.kubernetes.io/instance': 'certctl',
        }),
      );
      const file = parseYaml(readFileSync(RULES_FILE, 'utf8')) as { groups: { name: string; rules: { alert?: string }[] }[] };
      expect(rule.spec).toEqual({ groups: file.groups });
      // Not vacuous: the file has the alert groups, and Prometheus' own templates ({{ $value }}) pass through Helm untouched.
      expect(file.groups.map((g) => g.name)).toEqual(
        expect.arrayContaining(['certctl-recording', 'certctl-certificates', 'certctl-services']),
      );
      const alerts = rule.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.filter((r) => r.alert));
      expect(alerts.length).toBeGreaterThanOrEqual(20);
      expect(alerts.find((a: { alert: string }) => a.alert === 'CertctlCertificatesDueWithoutRenewalJob').annotations.summary).toBe(
        '{{ $value }} certificates are due for renewal and nothing will renew them',
      );
      for (const a of alerts) expect(a.annotations.runbook_url).toMatch(/^docs\/observability\.md#certctl[a-z]+$/);
    });

    it('follows the release name, and has no ruleSelector labels of its own unless given', () => {
      const r = helmTemplate(['--api-versions', PROMETHEUS_OPERATOR_APIS[1], '--show-only', 'templates/prometheusrule.yaml']);
      expect(r.status).toBe(0);
      const [rule] = parseManifests(r.stdout);
      expect(Object.keys(rule.metadata.labels!).sort()).toEqual([
        'app.kubernetes.io/instance',
        'app.kubernetes.io/managed-by',
        'app.kubernetes.io/part-of',
        'app.kubernetes.io/version',
        'helm.sh/chart',
      ]);
      const other = run(deployTools().HELM, [
        'template',
        'prod',
        CHART,
        '--namespace',
        'certctl',
        '--api-versions',
        PROMETHEUS_OPERATOR_APIS[1],
        '--show-only',
        'templates/prometheusrule.yaml',
      ]);
      expect(other.status).toBe(0);
      expect(parseManifests(other.stdout)[0].metadata.name).toBe('prod-certctl');
    });

    it('is not rendered with metrics.prometheusRule.enabled=false, while the ServiceMonitor still is', () => {
      const { objects } = renderWithApis(PROMETHEUS_OPERATOR_APIS, ['metrics.prometheusRule.enabled=false']);
      expect(byKind(objects, 'PrometheusRule')).toHaveLength(0);
      expect(byKind(objects, 'ServiceMonitor')).toHaveLength(1);
    });

    it("CertctlServiceDown's up{job=~...} matches the job the ServiceMonitor gives every scraped Service, whatever the release name", () => {
      const rules = parseYaml(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] };
      const down = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'CertctlServiceDown')!;
      const [, pattern] = /\bjob=~"([^"]+)"/.exec(down.expr)!;
      const jobMatches = new RegExp(`^(?:${pattern})$`); // PromQL regex matchers are anchored
      for (const release of ['certctl', 'prod']) {
        const r = run(deployTools().HELM, [
          'template',
          release,
          CHART,
          '--namespace',
          'certctl',
          '-f',
          join(CHART, 'examples/bundled.yaml'),
          ...PROMETHEUS_OPERATOR_APIS.flatMap((a) => ['--api-versions', a]),
        ]);
        expect(r.status).toBe(0);
        const objects = parseManifests(r.stdout);
        const [monitor] = byKind(objects, 'ServiceMonitor');
        const selector = monitor.spec.selector.matchLabels as Record<string, string>;
        const scrapedPorts = new Set((monitor.spec.endpoints as { port: string }[]).map((e) => e.port));
        const scraped = byKind(objects, 'Service').filter(
          (svc) =>
            Object.entries(selector).every(([k, v]) => svc.metadata.labels?.[k] === v) &&
            (svc.spec.ports as { name: string }[]).some((p) => scrapedPorts.has(p.name)),
        );
        expect(scraped.map((svc) => svc.metadata.labels!['app.kubernetes.io/name']).sort()).toEqual([...BUS_SERVICES].sort());
        // The operator takes the job from the Service label named by jobLabel, else from the Service's name.
        for (const svc of scraped) {
          const job = (monitor.spec.jobLabel && svc.metadata.labels?.[monitor.spec.jobLabel]) || svc.metadata.name;
          expect({ release, service: svc.metadata.name, job, matches: jobMatches.test(job) }).toEqual({
            release,
            service: svc.metadata.name,
            job: `certctl-${svc.metadata.labels!['app.kubernetes.io/name']}`,
            matches: true,
          });
        }
      }
      // Without the jobLabel the "prod" release's jobs would be prod-certctl-<service>, which the rule misses.
      expect(jobMatches.test('prod-certctl-gateway')).toBe(false);
    });

    it('renders with the CRDs into manifests kubeconform accepts when the CRD kinds are skipped (and not otherwise)', () => {
      const { text, objects } = renderWithApis(PROMETHEUS_OPERATOR_APIS);
      expect(byKind(objects, 'PrometheusRule')).toHaveLength(1);
      const r = kubeconform(text, CRD_KINDS);
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringMatching(/Invalid: 0, Errors: 0/) });
      const unskipped = kubeconform(text, ['HTTPRoute', 'ServiceMonitor']);
      expect(unskipped.status).not.toBe(0);
      expect(unskipped.stdout + unskipped.stderr).toMatch(/PrometheusRule/);
    });
  });

  it('limits traffic with NetworkPolicies: every service but the gateway only from the gateway (and Prometheus)', () => {
    const { objects } = renderSet(['examples/external.yaml']);
    const policies = byKind(objects, 'NetworkPolicy');
    expect(policies).toHaveLength(7);
    const acme = policies.find((p) => p.metadata.name === 'certctl-acme')!;
    expect(acme.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(acme.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'certctl', 'app.kubernetes.io/name': 'gateway' } } },
    ]);
    const scheduler = policies.find((p) => p.metadata.name === 'certctl-scheduler')!;
    expect(scheduler.spec.ingress[0].from).toEqual(acme.spec.ingress[0].from);
    // The scheduler talks to the servers only: no rule with open destinations.
    expect(scheduler.spec.egress.every((r: { to?: unknown; ports?: unknown }) => r.ports && !r.to)).toBe(true);
  });

  describe('secrets never in clear', () => {
    const SENTINELS: Record<string, string> = {
      'database-url': 'postgresql://certctl:SENTINEL-db-password@db:5432/certctl',
      'redis-url': 'redis://:SENTINEL-redis-password@redis:6379',
      'nats-url': 'nats://nats:4222',
      'encryption-key': 'SENTINEL-encryption-key-0123456789abcdef0123',
      'bootstrap-admin-key': 'SENTINEL-admin-key-0123456789abcdef012345',
      'principal-signing-key-gateway': 'SENTINEL-signing-gateway',
      'principal-signing-key-acme': 'SENTINEL-signing-acme',
      'principal-verify-key': 'SENTINEL-verify',
      ...Object.fromEntries(BUS_SERVICES.map((s) => [`nats-password-${s}`, `SENTINEL-nats-${s}`])),
    };

    it('keeps values given for the Secret out of the rendered text (the Secret holds them base64-encoded, pods reference them)', () => {
      const sets = [
        'secret.create=true',
        ...Object.entries(SENTINELS).map(([k, v]) => `secret.values.${k.replace(/\./g, '\\.')}=${v.replace(/,/g, '\\,')}`),
      ];
      const { text, objects } = render([], sets);
      expect(text).not.toMatch(/SENTINEL/);
      const [secret] = byKind(objects, 'Secret');
      expect(secret.stringData).toBeUndefined();
      expect(Buffer.from(secret.data['encryption-key'], 'base64').toString()).toBe(SENTINELS['encryption-key']);
    });

    it.each(VALUE_SETS)(
      '$name: no secret-named variable has a literal value, no URL carries a password, no generated secret leaks',
      ({ files }) => {
        const { text, objects } = renderSet(files);
        const secretValues = byKind(objects, 'Secret').flatMap((s) =>
          Object.values((s.data ?? {}) as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString()),
        );
        for (const v of secretValues) expect(text.includes(v)).toBe(false);
        for (const { owner, spec } of podTemplates(objects)) {
          for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
            for (const e of (c.env ?? []) as { name: string; value?: string }[]) {
              const where = `${owner.metadata.name}/${c.name}/${e.name}`;
              if (/(KEY|KEYS|SECRET|PASSWORD|TOKEN)$/.test(e.name))
                expect({ where, literal: e.value }).toEqual({ where, literal: undefined });
              if (e.value)
                expect({ where, credentialsInUrl: /:\/\/[^/@\s]*:[^/@\s]+@/.test(e.value) }).toEqual({ where, credentialsInUrl: false });
            }
          }
        }
      },
    );

    it('ships no secret in values.yaml or the examples: no secret.values, no URL with a password', () => {
      const strings = (node: unknown): string[] =>
        typeof node === 'string' ? [node] : node && typeof node === 'object' ? Object.values(node).flatMap(strings) : [];
      for (const f of ['values.yaml', ...EXAMPLES]) {
        const values = parseYaml(readFileSync(join(CHART, f), 'utf8')) as { secret?: { values?: Record<string, string> } };
        expect({ f, secretValues: values.secret?.values ?? {} }).toEqual({ f, secretValues: {} });
        expect({ f, urlsWithPassword: strings(values).filter((v) => /:\/\/[^/@\s]*:[^/@\s]+@/.test(v)) }).toEqual({
          f,
          urlsWithPassword: [],
        });
      }
    });

    it('generates the Secret once: a bundled install gets random keys and URLs to the bundled servers', () => {
      const { objects } = renderSet(['examples/bundled.yaml']);
      const [secret] = byKind(objects, 'Secret');
      const data = Object.fromEntries(
        Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
      );
      expect(data['encryption-key'].length).toBeGreaterThanOrEqual(32);
      expect(data['database-url']).toBe(`postgresql://certctl:${data['postgres-password']}@certctl-postgresql:5432/certctl`);
      expect(data['redis-url']).toBe(`redis://:${data['redis-password']}@certctl-redis:6379`);
      expect(secret.metadata.annotations!['helm.sh/resource-policy']).toBe('keep');
      // Every key the pods read from the platform Secret is in it (principal keys come from their own Secret).
      for (const { owner, spec } of podTemplates(objects)) {
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          for (const e of (c.env ?? []) as {
            name: string;
            valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
          }[]) {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref?.name === secret.metadata.name && !ref.optional)
              expect({ where: `${owner.metadata.name}/${e.name}`, key: ref.key in data }).toEqual({
                where: `${owner.metadata.name}/${e.name}`,
                key: true,
              });
            if (ref && ref.name !== secret.metadata.name) expect(ref.name).toBe('certctl-principal-keys');
          }
        }
      }
      const sts = byKind(objects, 'StatefulSet').map((s) => s.metadata.name);
      expect(sts.sort()).toEqual(['certctl-nats', 'certctl-postgresql', 'certctl-redis']);
      for (const s of byKind(objects, 'StatefulSet')) expect(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toMatch(/Gi$/);
      const nats = byKind(objects, 'StatefulSet').find((s) => s.metadata.name === 'certctl-nats')!;
      expect(nats.spec.template.spec.containers[0].command).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
    });
  });

  describe('values.schema.json refuses wrong values with a clear message', () => {
    it.each([
      [
        'services[0].replicas=0 (with the rest of the entry)',
        [
          'services[0].name=gateway',
          'services[0].port=8080',
          'services[0].redis=true',
          'services[0].encryptionKey=false',
          'services[0].replicas=0',
        ],
        /\/services\/0\/replicas': minimum: got 0, want 1/,
      ],
      ['a misspelt top-level key', ['ingres.enabled=true'], /additional properties 'ingres' not allowed/],
      ['turning non-root off', ['podSecurityContext.runAsNonRoot=false'], /\/podSecurityContext\/runAsNonRoot': value must be true/],
      [
        'a writable root file system',
        ['securityContext.readOnlyRootFilesystem=false'],
        /\/securityContext\/readOnlyRootFilesystem': value must be true/,
      ],
      ['an unknown pull policy', ['image.pullPolicy=Sometimes'], /\/image\/pullPolicy': value must be one of/],
      ['a PodDisruptionBudget that blocks every drain', ['podDisruptionBudget.maxUnavailable=0'], /\/podDisruptionBudget\/maxUnavailable/],
      [
        'a Secret value that is not a string',
        ['secret.values.encryption-key=null', 'secret.values.x=1'],
        /\/secret\/values\/x': got number, want string/,
      ],
      [
        'a PrometheusRule switch that is not a boolean',
        ['metrics.prometheusRule.enabled=yes'],
        /\/metrics\/prometheusRule\/enabled': got string, want boolean/,
      ],
      [
        'a PrometheusRule label that is not a string',
        ['metrics.prometheusRule.labels.release=1'],
        /\/metrics\/prometheusRule\/labels\/release': got number, want string/,
      ],
      ['a misspelt PrometheusRule key', ['metrics.prometheusRule.label.release=x'], /additional properties 'label' not allowed/],
    ])('%s', (_name, sets, message) => {
      const r = helmTemplate(sets.flatMap((s) => ['--set', s]));
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
      expect(r.stderr).toMatch(message);
    });

    it('refuses a service listed twice (checked by the templates)', () => {
      const values = readFileSync(join(CHART, 'values.yaml'), 'utf8');
      const twice = helmTemplateValues(values.replace('- name: inventory', '- name: gateway'));
      expect(twice.status).not.toBe(0);
      expect(twice.stderr).toMatch(/services: "gateway" must appear exactly once/);
    });
  });
});
