import { z } from 'zod';
import { ConfigError, baseEnvSchema, databaseEnvSchema, encryptionEnvSchema, loadConfig, redact } from './config';

describe('loadConfig', () => {
  const schema = baseEnvSchema.extend(databaseEnvSchema.shape).extend(encryptionEnvSchema.shape).extend({ PORT: z.coerce.number().int() });

  it('ok/parses and applies defaults', () => {
    const cfg = loadConfig(schema, { DATABASE_URL: 'postgresql://u:p@h/db', CERTCTL_ENCRYPTION_KEY: 'x'.repeat(32), PORT: '8080' });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.LOG_LEVEL).toBe('info');
    expect(cfg.CERTCTL_NATS_TIMEOUT_MS).toBe(5000);
  });

  it('fail/lists every bad variable and never echoes secrets', () => {
    let err: unknown;
    try {
      loadConfig(schema, { DATABASE_URL: 'mysql://root:hunter2@h/db', CERTCTL_ENCRYPTION_KEY: 'short-secret', PORT: 'abc' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/CERTCTL_ENCRYPTION_KEY: must be at least 32 characters \(got \(redacted\)\)/);
    expect(problems).toMatch(/PORT/);
    expect(problems).not.toContain('hunter2');
    expect(problems).not.toContain('short-secret');
  });

  it('ok/an empty or blank OTEL_EXPORTER_OTLP_ENDPOINT counts as unset', () => {
    const env = { DATABASE_URL: 'postgresql://u:p@h/db', CERTCTL_ENCRYPTION_KEY: 'x'.repeat(32), PORT: '8080' };
    expect(loadConfig(schema, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(loadConfig(schema, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(loadConfig(schema, env).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(loadConfig(schema, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
      'http://collector:4318',
    );
  });

  it('fail/a non-empty OTEL_EXPORTER_OTLP_ENDPOINT that is not a URL is still refused', () => {
    const env = { DATABASE_URL: 'postgresql://u:p@h/db', CERTCTL_ENCRYPTION_KEY: 'x'.repeat(32), PORT: '8080' };
    expect(() => loadConfig(schema, { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('ok/redacts credentials inside URLs', () => {
    expect(redact('DATABASE_URL', 'postgresql://u:pw@h:5432/db')).toBe('"postgresql://****@h:5432/db"');
    expect(redact('LOG_LEVEL', 'info')).toBe('"info"');
  });
});
