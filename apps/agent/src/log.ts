import pino from 'pino';
import type { TargetLogger } from './targets/target';

/** JSON lines on stdout; secrets (API keys, tokens, keys) are never passed to it, and redacted if they are. */
export const agentLog = pino({
  base: { service: 'certctl-agent' },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: ['api_key', 'token', 'authorization', '*.api_key', '*.token', 'private_key'], censor: '[redacted]' },
});

/** The logger shape the target connectors use, over the agent's logger. */
export function targetLogger(fields: Record<string, unknown>): TargetLogger {
  const child = agentLog.child(fields);
  return {
    info: (msg, extra) => child.info(extra ?? {}, msg),
    warn: (msg, extra) => child.warn(extra ?? {}, msg),
  };
}
