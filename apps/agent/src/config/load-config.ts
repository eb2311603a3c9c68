import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type AgentConfig, overlayEnvironment, validateConfig } from './config.schema';

export interface ResolvedConfig extends AgentConfig {
  /** The API key read from CERTCTL_API_KEY or CERTCTL_API_KEY_FILE, if any. */
  apiKey?: string;
}

export type LoadResult = { ok: true; config: ResolvedConfig } | { ok: false; problems: string[] };

function readConfigFile(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const data: unknown = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error('must hold a mapping of settings');
  return data as Record<string, unknown>;
}

/**
 * The key directory must be the agent's alone: created 0700 when missing; an existing one that
 * its group or others can read (or enter) is refused rather than silently narrowed.
 */
export function keyDirProblem(dir: string): string | undefined {
  try {
    const info = statSync(dir, { throwIfNoEntry: false });
    if (!info) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      return undefined;
    }
    if (!info.isDirectory()) return `${dir} is not a directory`;
    if (info.mode & 0o077)
      return `${dir} is readable by its group or others (mode ${(info.mode & 0o777).toString(8)}); run chmod 700 ${dir}`;
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Reads, overlays and validates the configuration; never throws. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv): LoadResult {
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = readConfigFile(file);
    } catch (err) {
      return { ok: false, problems: [`invalid configuration: file ${file}: ${(err as Error).message}`] };
    }
  }
  const parsed = validateConfig(overlayEnvironment(fromFile, env));
  if (!parsed.ok) return parsed;
  const config: ResolvedConfig = { ...parsed.config, apiKey: parsed.config.api_key };
  const problems: string[] = [];
  if (config.api_key_file) {
    try {
      config.apiKey = readFileSync(config.api_key_file, 'utf8').trim();
      if (!config.apiKey) problems.push(`invalid configuration: api_key_file (CERTCTL_API_KEY_FILE): ${config.api_key_file} is empty`);
    } catch (err) {
      problems.push(`invalid configuration: api_key_file (CERTCTL_API_KEY_FILE): ${(err as Error).message}`);
    }
  }
  if (config.ca_bundle) {
    try {
      readFileSync(config.ca_bundle);
    } catch (err) {
      problems.push(`invalid configuration: ca_bundle (CERTCTL_CA_BUNDLE): ${(err as Error).message}`);
    }
  }
  const keyDir = keyDirProblem(config.key_dir);
  if (keyDir) problems.push(`invalid configuration: key_dir (CERTCTL_AGENT_KEY_DIR): ${keyDir}`);
  return problems.length ? { ok: false, problems } : { ok: true, config };
}
