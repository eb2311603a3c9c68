import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The agent's configuration: a file (JSON or YAML, snake_case keys) overlaid by CERTCTL_*
 * environment variables. Every problem becomes one line naming the setting and its variable.
 */

/** Seconds as a number, or a string such as `30`, `30s`, `5m`, `1h`. */
const seconds = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(value);
    if (!match) return value;
    const factor = { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
    return Number(match[1]) * factor;
  },
  z
    .number({ error: 'must be a number of seconds (e.g. 30, 30s, 5m)' })
    .min(1, 'must be at least 1 second')
    .max(86400 * 7),
);

const flag = z.preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() === 'true' : value), z.boolean());

const absolutePath = z
  .string()
  .min(1)
  .refine((value) => value.startsWith('/'), 'must be an absolute path');

export const agentConfigSchema = z.strictObject({
  server_url: z.url({ error: 'must be a URL such as https://certctl.example.com' }),
  allow_http: flag.default(false),
  api_key: z.string().min(1).optional(),
  api_key_file: absolutePath.optional(),
  bootstrap_token: z.string().min(1).optional(),
  agent_name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, dots, dashes or underscores')
    .default(() => hostname().split('.')[0] || 'agent'),
  agent_id: z.string().min(1).optional(),
  key_dir: absolutePath.default('/var/lib/certctl-agent/keys'),
  state_dir: absolutePath.default('/var/lib/certctl-agent/state'),
  discovery_dirs: z.array(absolutePath).max(256, 'at most 256 directories (the server takes no more in one report)').default([]),
  discovery_interval: seconds.default(3600),
  poll_interval: seconds.default(30),
  heartbeat_interval: seconds.default(60),
  ca_bundle: absolutePath.optional(),
  max_parallel_jobs: z.coerce.number().int().min(1).max(32).default(4),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** Each setting's environment variable (the names an operator sees in error lines). */
export const ENV_NAMES: Record<keyof AgentConfig, string> = {
  server_url: 'CERTCTL_SERVER_URL',
  allow_http: 'CERTCTL_AGENT_ALLOW_HTTP',
  api_key: 'CERTCTL_API_KEY',
  api_key_file: 'CERTCTL_API_KEY_FILE',
  bootstrap_token: 'CERTCTL_AGENT_BOOTSTRAP_TOKEN',
  agent_name: 'CERTCTL_AGENT_NAME',
  agent_id: 'CERTCTL_AGENT_ID',
  key_dir: 'CERTCTL_AGENT_KEY_DIR',
  state_dir: 'CERTCTL_AGENT_STATE_DIR',
  discovery_dirs: 'CERTCTL_AGENT_DISCOVERY_DIRS',
  discovery_interval: 'CERTCTL_AGENT_DISCOVERY_INTERVAL',
  poll_interval: 'CERTCTL_AGENT_POLL_INTERVAL',
  heartbeat_interval: 'CERTCTL_AGENT_HEARTBEAT_INTERVAL',
  ca_bundle: 'CERTCTL_CA_BUNDLE',
  max_parallel_jobs: 'CERTCTL_AGENT_MAX_PARALLEL_JOBS',
};

/** The file's settings with the environment's over them (empty variables are ignored). */
export function overlayEnvironment(file: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...file };
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    merged[key] =
      key === 'discovery_dirs'
        ? value
            .split(',')
            .map((dir) => dir.trim())
            .filter(Boolean)
        : value;
  }
  return merged;
}

/** One line per problem: `<setting> (<VARIABLE>): <message>`. */
export function configProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const name = ENV_NAMES[key as keyof AgentConfig];
    const where = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : [key, ...issue.path.slice(1).map(String)].join('.');
    const label = name ? `${where} (${name})` : where || 'config';
    const message = issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message;
    return `invalid configuration: ${label}: ${message}`;
  });
}

/** Rules across settings, checked on the raw input so they are reported together with the rest. */
function crossProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const url = typeof raw.server_url === 'string' ? raw.server_url : '';
  const allowHttp = flag.safeParse(raw.allow_http ?? false).data === true;
  if (/^http:\/\//i.test(url) && !allowHttp) {
    problems.push(
      'invalid configuration: server_url (CERTCTL_SERVER_URL): must use https (set CERTCTL_AGENT_ALLOW_HTTP=true to allow http)',
    );
  } else if (url && !/^https?:\/\//i.test(url)) {
    problems.push('invalid configuration: server_url (CERTCTL_SERVER_URL): must be an http(s) URL');
  }
  if (raw.api_key && raw.api_key_file) {
    problems.push('invalid configuration: api_key_file (CERTCTL_API_KEY_FILE): set either the API key or the API key file, not both');
  }
  return problems;
}

/** The validated configuration, or every problem (one line each). */
export function validateConfig(raw: Record<string, unknown>): { ok: true; config: AgentConfig } | { ok: false; problems: string[] } {
  const parsed = agentConfigSchema.safeParse(raw);
  const problems = [...(parsed.success ? [] : configProblems(parsed.error)), ...crossProblems(raw)];
  return parsed.success && !problems.length ? { ok: true, config: parsed.data } : { ok: false, problems };
}
