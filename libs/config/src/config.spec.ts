import { z } from 'zod';
import { SecretBox } from '@certctl/pki';
import {
  ConfigError,
  baseEnvSchema,
  currentEncryptionSecret,
  databaseEnvSchema,
  encryptionEnvSchema,
  encryptionKeyring,
  loadConfig,
  redact,
  secretBoxFromConfig,
} from './config';

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

describe('encryption keys', () => {
  const schema = databaseEnvSchema.extend(encryptionEnvSchema.shape);
  const base = { DATABASE_URL: 'postgresql://u:p@h/db' };
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(40);
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(schema, { ...base, ...env });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems.join('\n');
    }
    return '';
  };

  it('ok/the single CERTCTL_ENCRYPTION_KEY is version 1, as before', () => {
    const cfg = loadConfig(schema, { ...base, CERTCTL_ENCRYPTION_KEY: a });
    expect(encryptionKeyring(cfg)).toEqual({ keys: { 1: a }, currentVersion: 1 });
    const box = secretBoxFromConfig(cfg);
    expect(SecretBox.fromSecret(a).decryptString(box.encrypt('x'))).toBe('x');
  });

  it('ok/a keyring opens every version and seals with the current one (default: the highest)', () => {
    const ring = loadConfig(schema, { ...base, CERTCTL_ENCRYPTION_KEYS: `1:${a}, 2:${b}` });
    expect(encryptionKeyring(ring)).toEqual({ keys: { 1: a, 2: b }, currentVersion: 2 });
    const pinned = loadConfig(schema, { ...base, CERTCTL_ENCRYPTION_KEYS: `1:${a},2:${b}`, CERTCTL_ENCRYPTION_KEY_VERSION: '1' });
    const box = secretBoxFromConfig(pinned);
    expect(box.currentVersion).toBe(1);
    expect(box.versions).toEqual([1, 2]);
    expect(currentEncryptionSecret(pinned)).toBe(a);
    // The single key joins a keyring as version 1.
    const mixed = loadConfig(schema, { ...base, CERTCTL_ENCRYPTION_KEY: a, CERTCTL_ENCRYPTION_KEYS: `2:${b}` });
    expect(encryptionKeyring(mixed)).toEqual({ keys: { 1: a, 2: b }, currentVersion: 2 });
  });

  it.each([
    [{}, /CERTCTL_ENCRYPTION_KEY: required/],
    [{ CERTCTL_ENCRYPTION_KEYS: `x:${a}` }, /CERTCTL_ENCRYPTION_KEYS: entry 1 must be <version>:<secret>/],
    [{ CERTCTL_ENCRYPTION_KEYS: `1:${a},2:short` }, /the secret of version 2 must be at least 32 characters/],
    [{ CERTCTL_ENCRYPTION_KEYS: `1:${a},1:${b}` }, /version 1 is given twice/],
    [{ CERTCTL_ENCRYPTION_KEYS: `1:${a}`, CERTCTL_ENCRYPTION_KEY_VERSION: '3' }, /version 3 is not among the keys \(have 1\)/],
    [{ CERTCTL_ENCRYPTION_KEY: a, CERTCTL_ENCRYPTION_KEYS: `1:${b}` }, /CERTCTL_ENCRYPTION_KEYS gives version 1 another secret/],
    [{ CERTCTL_ENCRYPTION_KEY: a, CERTCTL_ENCRYPTION_KEY_VERSION: '2' }, /version 2 is not among the keys/],
  ])('fail/%j is refused at start with a named problem, never echoing a secret', (env, message) => {
    const problems = problemsOf(env as Record<string, string>);
    expect(problems).toMatch(message);
    expect(problems).not.toContain(a);
    expect(problems).not.toContain(b);
  });

  it('ok/CERTCTL_ENCRYPTION_KEYS is a secret name', () => {
    expect(redact('CERTCTL_ENCRYPTION_KEYS', `1:${a}`)).toBe('(redacted)');
  });
});
