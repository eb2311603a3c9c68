import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceName, dataDir } from '@certctl/testing';
import type { FaultProxiesState } from './faults/fault-proxies';

/** What the global setup started, shared with the test files (they run in other module registries). */
export interface E2eState {
  env: Record<string, string>;
  ports: Record<ServiceName, number>;
  /** The gateway's HTTPS port and the folder of its certificate (server.crt, server.key, ca.pem). */
  tls: { port: number; dir: string };
  pids: Record<string, number>;
  logDir: string;
  adminKey: string;
  natsPid: number;
  /** ACME validation in the e2e stack: the clients' challenge ports and the challenge test server. */
  acme: { http01Port: number; tlsAlpn01Port: number; pid: number; dnsPort: number; managementPort: number };
  /** With CERTCTL_FAULT_PROXIES=1: the fault proxies in front of PostgreSQL, Redis and NATS (env holds their URLs). */
  faultProxies?: FaultProxiesState;
}

/** The end-to-end run's folder (state, logs, admin key) under the data folder of this checkout. */
export const E2E_DIR = join(dataDir(), 'e2e');
export const STATE_FILE = join(E2E_DIR, 'state.json');

/**
 * The e2e stack listens on each service's default port + CERTCTL_E2E_PORT_OFFSET (default
 * 10000: 18080–18086, and the gateway's HTTPS port 18443), so it never meets a stack started with `npm start`; give two
 * checkouts on one machine different offsets to run their e2e tests side by side.
 */
export function e2ePortOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CERTCTL_E2E_PORT_OFFSET;
  if (raw === undefined || raw === '') return 10000;
  const offset = Number(raw);
  if (!Number.isInteger(offset) || offset < 0 || offset + 8443 > 65535) {
    throw new Error(`CERTCTL_E2E_PORT_OFFSET must be an integer from 0 to ${65535 - 8443} (got ${JSON.stringify(raw)})`);
  }
  return offset;
}

export function readState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
}

export function writeState(state: E2eState): void {
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

export function gatewayUrl(state = readState()): string {
  return `http://127.0.0.1:${state.ports.gateway}`;
}
