import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import { currentTraceIds } from './tracing';
import { requestContext } from './request-context';

/** Keys whose values are never written to logs, wherever they appear. */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.secret',
  '*.private_key',
  '*.privateKeyPem',
  '*.api_key',
  '*.key',
  '*.private_key_pem',
  '*.passphrase',
];

let root: Logger | undefined;

/** The process logger: JSON lines carrying service, trace_id, span_id and request_id. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  root = pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const rc = requestContext();
      return {
        ...currentTraceIds(),
        ...(rc?.request_id ? { request_id: rc.request_id } : {}),
        ...(rc?.key_id ? { api_key_id: rc.key_id } : {}),
      };
    },
  });
  return root;
}

export function getLogger(): Logger {
  return root ?? createLogger('certctl');
}

/** Nest's logger interface over pino, so framework messages are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, ...(trace ? { stack: trace } : {}) }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  private write(level: 'info' | 'warn' | 'debug' | 'trace', message: unknown, context?: string): void {
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }
}
