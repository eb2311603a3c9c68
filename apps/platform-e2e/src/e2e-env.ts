import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type ServiceName } from '@certctl/testing';

/** What the global setup started, shared with the test files (they run in other module registries). */
export interface E2eState {
  env: Record<string, string>;
  ports: Record<ServiceName, number>;
  pids: Record<string, number>;
  logDir: string;
  adminKey: string;
  natsPid: number;
}

export const STATE_FILE = join(ROOT, '.local', 'e2e', 'state.json');
export const PORT_OFFSET = 10000;

export function readState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
}

export function writeState(state: E2eState): void {
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

export function gatewayUrl(state = readState()): string {
  return `http://127.0.0.1:${state.ports.gateway}`;
}
