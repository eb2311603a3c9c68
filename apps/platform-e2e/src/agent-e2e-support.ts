// Test-only: the certctl-agent bundle as a child process against the e2e stack, and the platform
// side of an agent deployment (agent, target, certificate with an agent-side key, its jobs).
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { JobDto } from '@certctl/contracts';
import { ROOT } from '@certctl/testing';
import { gatewayUrl } from './e2e-env';
import { api, waitFor } from './http';

/** The single-file bundle that ships (built by tools/build/build.mjs). */
export const AGENT_BUNDLE = join(ROOT, 'dist', 'certctl-agent.js');

/** Starts the agent with its keys in `<root>/keys`, its state in `<root>/state`, its log in `<root>/agent.log`. */
export function spawnAgent(root: string, agentId: string, apiKey: string, extraEnv: Record<string, string> = {}): ChildProcess {
  const log = openSync(join(root, 'agent.log'), 'a');
  return spawn(process.execPath, [AGENT_BUNDLE], {
    env: {
      PATH: process.env.PATH,
      HOME: root,
      CERTCTL_SERVER_URL: gatewayUrl(),
      CERTCTL_AGENT_ALLOW_HTTP: 'true',
      CERTCTL_API_KEY: apiKey,
      CERTCTL_AGENT_ID: agentId,
      CERTCTL_AGENT_KEY_DIR: join(root, 'keys'),
      CERTCTL_AGENT_STATE_DIR: join(root, 'state'),
      CERTCTL_AGENT_POLL_INTERVAL: '1',
      CERTCTL_AGENT_HEARTBEAT_INTERVAL: '2',
      ...extraEnv,
    },
    stdio: ['ignore', log, log],
  });
}

export interface DeploymentJobRow {
  id: string;
  status: string;
  result: Record<string, any> | null;
  last_error: string | null;
}

/** The certificate's deployment jobs read from PostgreSQL, oldest first (the fleet scale test's bulk polling). */
export async function deploymentJobs(db: Client, certificateId: string): Promise<DeploymentJobRow[]> {
  const rows = await db.query<DeploymentJobRow>(
    `SELECT id, status::text AS status, result, last_error FROM jobs WHERE certificate_id = $1 AND type = 'deployment' ORDER BY created_at`,
    [certificateId],
  );
  return rows.rows;
}

/** The certificate's deployment jobs as the API lists them (GET /api/v1/jobs), oldest first, each with its agent's `result`. */
export async function deploymentJobsOverApi(certificateId: string): Promise<JobDto[]> {
  const res = await api<{ data: JobDto[] }>('GET', `/api/v1/jobs?certificate_id=${certificateId}&type=deployment&limit=500`);
  expect(res.status).toBe(200);
  return [...res.body.data].reverse();
}

/** One job as GET /api/v1/jobs/{id} shows it. */
export async function jobOverApi(id: string): Promise<JobDto> {
  const res = await api<JobDto>('GET', `/api/v1/jobs/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The active version's certificate PEM, once it is not `previousPem` (a renewal). */
export function activeCertificatePem(certificateId: string, previousPem?: string, timeoutMs = 60000): Promise<string> {
  return waitFor(
    async () => {
      const cert = await api('GET', `/api/v1/certificates/${certificateId}`);
      const pem: string | null = cert.body.current_version?.certificate_pem ?? cert.body.certificate_pem;
      return cert.body.status === 'active' && pem && pem.trim() !== previousPem?.trim() ? pem : undefined;
    },
    timeoutMs,
    'the certificate to be issued from the agent CSR',
  );
}

/**
 * Over the API: a profile with agent-side keys, a registered agent, a target of `type` deployed
 * by it with `config`, and a certificate (`name`.example.com) bound to the target.
 */
export async function agentDeploymentSetup(options: { name: string; type: string; config: Record<string, unknown> }) {
  const { name, type, config } = options;
  const profile = await api('POST', '/api/v1/profiles', {
    body: { name: `${name}-profile`, key_generation: 'agent', max_validity_days: 90 },
  });
  expect(profile.status).toBe(201);
  const reg = await api('POST', '/api/v1/agents', { body: { name: `${name}-agent`, hostname: 'e2e-host' } });
  expect(reg.status).toBe(201);
  const { agent, api_key: apiKey } = reg.body as { agent: { id: string }; api_key: string };
  const target = await api('POST', '/api/v1/targets', { body: { name: `${name}-target`, type, agent_id: agent.id, config } });
  expect(target.status).toBe(201);
  const created = await api('POST', '/api/v1/certificates', {
    body: {
      name,
      common_name: `${name}.example.com`,
      sans: [`${name}.example.com`, `www.${name}.example.com`],
      issuer_id: 'iss-local',
      owner_id: 'o-alice',
      team_id: 't-platform',
      renewal_policy_id: 'rp-standard',
      profile_id: profile.body.id,
      agent_id: agent.id,
      target_ids: [target.body.id],
    },
  });
  expect(created.status).toBe(201);
  return { agentId: agent.id, apiKey, targetId: target.body.id as string, certificateId: created.body.id as string };
}
