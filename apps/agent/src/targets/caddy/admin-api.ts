import { leafWithChain } from '../server-support';
import { type DeployMaterial, type Deployment, TargetError } from '../target';
import type { CaddyAdminConfig } from './config';
import { withLoadedPem } from './load-pem';

/** The config each admin_api target should run next: set by deploy, reset by rollback, loaded by reload. */
const desired = new WeakMap<object, unknown>();
const previous = new WeakMap<object, unknown>();

async function admin(config: CaddyAdminConfig, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = new URL(path, config.admin_url);
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15000),
  }).catch((err: Error) => {
    throw new TargetError(method === 'GET' ? 'deploy' : 'reload', `Caddy admin API ${url} unreachable`, err.message);
  });
  const text = await response.text();
  if (!response.ok)
    throw new TargetError(method === 'GET' ? 'deploy' : 'reload', `Caddy answered ${response.status} to ${method} ${url.pathname}`, text);
  return text ? JSON.parse(text) : null;
}

/** Reads the running config (kept for rollback) and prepares it with the new certificate and key. */
export async function deployThroughAdminApi(config: CaddyAdminConfig, material: DeployMaterial): Promise<Deployment> {
  const running = await admin(config, 'GET', '/config/');
  previous.set(config, running);
  desired.set(config, withLoadedPem(running, { certificate: leafWithChain(material), key: material.privateKeyPem }, config.tag));
  return { files: [], backup: { files: [], restore: async () => undefined } };
}

/** POST /load: Caddy validates the whole config and swaps it in gracefully, or keeps the running one. */
export async function loadDesired(config: CaddyAdminConfig): Promise<void> {
  if (!desired.has(config)) throw new TargetError('reload', 'nothing to load: no deployment prepared for this Caddy');
  await admin(config, 'POST', '/load', desired.get(config));
}

/** The next reload loads the config read before the deployment again. */
export function rollBackAdminApi(config: CaddyAdminConfig): void {
  if (previous.has(config)) desired.set(config, previous.get(config));
}
