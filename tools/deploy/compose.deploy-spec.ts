// deploy/compose/docker-compose.yml, resolved and validated by Debian's docker-compose
// (`docker-compose config`, no daemon), checked against the services' config schemas.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BUS_SERVICES } from '@certctl/contracts';
import { COMPOSE_FILE, ROOT, run } from './deploy-tools';
import { missingEnv, serviceRequirements } from './required-env';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: unknown[];
}

/** Every variable the file demands (`${VAR:?...}`), with a recognisable test value. */
function testEnv(): Record<string, string> {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const names = [...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]);
  return Object.fromEntries([...new Set(names)].map((n) => [n, `test-${n.toLowerCase()}-0123456789abcdef0123456789`]));
}

function composeConfig(env: Record<string, string>): { status: number; stdout: string; stderr: string } {
  // Only the given variables (and PATH): nothing from the caller's environment leaks in.
  const args = ['-c', 'cd "$1" && shift && exec docker-compose "$@"', 'sh', join(ROOT, 'deploy/compose'), '-f', COMPOSE_FILE, 'config'];
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return run('env', ['-i', `PATH=${process.env.PATH}`, ...vars, 'sh', ...args]);
}

describe('compose deploy/compose/docker-compose.yml', () => {
  const env = testEnv();
  let services: Record<string, ComposeService>;

  beforeAll(() => {
    const r = composeConfig(env);
    if (r.status !== 0) throw new Error(`docker-compose config failed: ${r.stderr}`);
    services = (parseYaml(r.stdout) as { services: Record<string, ComposeService> }).services;
  });

  it('is a valid compose file for docker-compose config, with every secret given', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis', 'nats-config', 'nats', 'migrate', 'seed', ...BUS_SERVICES].sort());
  });

  it('refuses to start without a secret, naming it', () => {
    const withoutKey = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'CERTCTL_ENCRYPTION_KEY'));
    const r = composeConfig(withoutKey);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/set CERTCTL_ENCRYPTION_KEY/);
  });

  it.each([...BUS_SERVICES])('%s gets every variable its config schema requires, and its bus credentials', (svc) => {
    const environment = services[svc].environment ?? {};
    const present = Object.entries(environment)
      .filter(([, v]) => v !== null && v !== '')
      .map(([k]) => k);
    expect(missingEnv(serviceRequirements(svc, true), present)).toEqual([]);
    expect(services[svc].command).toEqual(['node', `dist/apps/${svc}/main.js`]);
    expect(environment[`CERTCTL_${svc.toUpperCase()}_PORT`]).toMatch(/^\d+$/);
    expect(environment.NATS_USER).toBe(svc);
  });

  it('the required-variable check catches a service left without its encryption key', () => {
    const environment = { ...services.acme.environment };
    delete environment.CERTCTL_ENCRYPTION_KEY;
    expect(missingEnv(serviceRequirements('acme', true), Object.keys(environment))).toEqual([
      ['CERTCTL_ENCRYPTION_KEY', 'CERTCTL_ENCRYPTION_KEYS'],
    ]);
  });

  it('starts the services after healthy servers and a finished migration and seed, and checks their /ready', () => {
    for (const svc of BUS_SERVICES) {
      expect(services[svc].depends_on).toEqual({
        seed: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
        nats: { condition: 'service_healthy' },
      });
      expect(services[svc].healthcheck?.test.join(' ')).toMatch(/\/ready/);
    }
    for (const server of ['postgres', 'redis', 'nats']) expect(services[server].healthcheck?.test.length).toBeGreaterThan(0);
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.nats.command).toEqual(expect.arrayContaining(['-c', '/config/nats.conf']));
  });

  it('routes the gateway to the acme and revocation containers and publishes only the gateway', () => {
    const gw = services.gateway.environment!;
    expect(gw.CERTCTL_ACME_URL).toBe(`http://acme:${services.acme.environment!.CERTCTL_ACME_PORT}`);
    expect(gw.CERTCTL_REVOCATION_URL).toBe(`http://revocation:${services.revocation.environment!.CERTCTL_REVOCATION_PORT}`);
    for (const svc of ['inventory', 'issuance', 'scheduler', 'notifications']) {
      const upper = svc.toUpperCase();
      expect([svc, gw[`CERTCTL_${upper}_URL`]]).toEqual([svc, `http://${svc}:${services[svc].environment![`CERTCTL_${upper}_PORT`]}`]);
    }
    const published = Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([name]) => name);
    expect(published).toEqual(['gateway']);
  });

  it('keeps secrets out of the file: every secret-named variable is interpolated from .env', () => {
    const raw = parseYaml(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (/(KEY|KEYS|SECRET|PASSWORD|TOKEN)$/.test(k))
          expect({ where: `${name}/${k}`, v }).toEqual({
            where: `${name}/${k}`,
            v: expect.stringMatching(/^\$\{[A-Z0-9_]+(:[?-][^}]*)?\}$/),
          });
      }
    }
  });
});
