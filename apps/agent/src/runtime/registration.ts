import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { bootstrapAgent } from '../client/gateway-client';
import type { HttpOptions } from '../client/http';
import type { ResolvedConfig } from '../config/load-config';
import { agentLog } from '../log';
import { writeFileAtomic } from '../targets/file-set';
import { retrying } from './retry';
import { AgentStop, stopFor } from './stop';

export interface Credentials {
  agentId: string;
  apiKey: string;
}

const credentialsPath = (stateDir: string) => join(stateDir, 'credentials.json');

async function storedCredentials(stateDir: string): Promise<Partial<{ agent_id: string; api_key: string }>> {
  const text = await readFile(credentialsPath(stateDir), 'utf8').catch(() => undefined);
  if (!text) return {};
  try {
    return JSON.parse(text) as { agent_id: string; api_key: string };
  } catch {
    return {};
  }
}

/**
 * The agent's identity: the configured API key and agent id; else the ones stored by an earlier
 * bootstrap; else a one-time bootstrap token exchanged for them (stored 0600 so a restart reuses them).
 */
export async function resolveCredentials(config: ResolvedConfig, http: HttpOptions, signal: AbortSignal): Promise<Credentials> {
  const stored = await storedCredentials(config.state_dir);
  const agentId = config.agent_id ?? stored.agent_id;
  if (config.apiKey) {
    if (!agentId)
      throw new AgentStop(
        2,
        'invalid configuration: agent_id (CERTCTL_AGENT_ID): required with an API key (or register with a bootstrap token)',
      );
    return { agentId, apiKey: config.apiKey };
  }
  if (stored.agent_id && stored.api_key) return { agentId: stored.agent_id, apiKey: stored.api_key };
  if (!config.bootstrap_token) {
    throw new AgentStop(
      2,
      'invalid configuration: api_key (CERTCTL_API_KEY): set an API key (with CERTCTL_AGENT_ID) or a bootstrap token (CERTCTL_AGENT_BOOTSTRAP_TOKEN)',
    );
  }
  const token = config.bootstrap_token;
  let answer;
  try {
    answer = await retrying('bootstrap registration', () => bootstrapAgent(http, token, config.agent_name, hostname()), signal);
  } catch (err) {
    const stop = stopFor(err);
    if (stop && stop.exitCode === 3)
      throw new AgentStop(3, `the bootstrap token was refused (unknown, expired or used): ${(err as Error).message}`);
    throw err;
  }
  await writeFileAtomic(credentialsPath(config.state_dir), JSON.stringify({ agent_id: answer.agent.id, api_key: answer.api_key }), 0o600);
  agentLog.info({ agent_id: answer.agent.id, agent_name: answer.agent.name }, 'registered with the bootstrap token; credentials stored');
  return { agentId: answer.agent.id, apiKey: answer.api_key };
}
