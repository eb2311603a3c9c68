import { SecretBox } from './secret-box';
import {
  hasUnsealedSecrets,
  isSealed,
  isSecretKey,
  maskSecret,
  maskSecretFields,
  openSecretFields,
  openValue,
  sealSecretFields,
  sealValue,
} from './sealed-fields';

const box = SecretBox.fromSecret('sealed-fields-test-key-0123456789abcdef');
const aad = (path: string) => `target:tgt-1:${path}`;
const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX';

describe('sealed settings values', () => {
  it('ok/a URL is masked to its scheme and host, anything else entirely', () => {
    expect(maskSecret(SLACK)).toBe('https://hooks.slack.com/…****');
    expect(maskSecret('http://10.0.0.1:8080/hook?token=abc')).toBe('http://10.0.0.1:8080/…****');
    expect(maskSecret('https://user:pw@example.com/x')).toBe('https://example.com/…****');
    expect(maskSecret('hunter2')).toBe('****');
    expect(maskSecret('not a url://')).toBe('****');
    // Idempotent: the masked form masks to itself.
    expect(maskSecret(maskSecret(SLACK))).toBe(maskSecret(SLACK));
  });

  it('ok/a sealed value opens with its own AAD only and holds no plaintext', () => {
    const s = sealValue(box, SLACK, 'notification_channel:nch-1:url');
    expect(isSealed(s)).toBe(true);
    expect(JSON.stringify(s)).not.toContain('hooks.slack.com/services');
    expect(s.masked).toBe('https://hooks.slack.com/…****');
    expect(openValue(box, s, 'notification_channel:nch-1:url')).toBe(SLACK);
    expect(() => openValue(box, s, 'notification_channel:nch-2:url')).toThrow(/decryption failed/);
    // A value stored before sealing (plain string) still opens as is.
    expect(openValue(box, SLACK, 'x')).toBe(SLACK);
  });

  it.each([
    ['password', true],
    ['admin_password', true],
    ['passwd', true],
    ['api_key', true],
    ['apiKey', true],
    ['token', true],
    ['bearer_token', true],
    ['client_secret', true],
    ['webhook_url', true],
    ['private_key', true],
    ['credentials', true],
    ['host', false],
    ['url', false],
    ['bypass', false],
    ['path', false],
    ['username', false],
  ])('ok/isSecretKey(%s) is %s', (key, want) => {
    expect(isSecretKey(key)).toBe(want);
  });

  it('ok/secret-named strings are sealed at any depth; other settings stay as they are', () => {
    const { config, problems } = sealSecretFields(
      box,
      { host: 'lb.example.com', port: 8443, password: 'hunter2', auth: { token: 'tok-123', user: 'admin' }, tags: ['a'] },
      null,
      aad,
    );
    expect(problems).toEqual([]);
    expect(JSON.stringify(config)).not.toMatch(/hunter2|tok-123/);
    expect(config).toMatchObject({ host: 'lb.example.com', port: 8443, auth: { user: 'admin' }, tags: ['a'] });
    expect(openValue(box, config.password, aad('password'))).toBe('hunter2');
    expect(openValue(box, (config.auth as Record<string, unknown>).token, aad('auth.token'))).toBe('tok-123');
    expect(maskSecretFields(config)).toEqual({
      host: 'lb.example.com',
      port: 8443,
      password: '****',
      auth: { token: '****', user: 'admin' },
      tags: ['a'],
    });
  });

  it('ok/sending back the masked value keeps the stored secret; a new value replaces it', () => {
    const first = sealSecretFields(box, { password: 'hunter2', webhook_url: SLACK }, null, aad).config;
    const kept = sealSecretFields(box, { password: '****', webhook_url: 'https://hooks.slack.com/…****', port: 1 }, first, aad);
    expect(kept.problems).toEqual([]);
    expect(kept.config.password).toEqual(first.password);
    expect(openValue(box, kept.config.webhook_url, aad('webhook_url'))).toBe(SLACK);
    const changed = sealSecretFields(box, { password: 'correct horse' }, first, aad).config;
    expect(openValue(box, changed.password, aad('password'))).toBe('correct horse');
  });

  it('ok/a legacy plain secret is masked when shown and sealed when its masked form is sent back', () => {
    const legacy = { password: 'hunter2', host: 'h' };
    expect(hasUnsealedSecrets(legacy)).toBe(true);
    expect(maskSecretFields(legacy)).toEqual({ password: '****', host: 'h' });
    const { config } = sealSecretFields(box, { password: '****', host: 'h' }, legacy, aad);
    expect(hasUnsealedSecrets(config)).toBe(false);
    expect(openValue(box, config.password, aad('password'))).toBe('hunter2');
  });

  it('fail/a mask with nothing stored behind it, or a forged sealed object, is a problem', () => {
    expect(sealSecretFields(box, { password: '****' }, null, aad).problems).toEqual([
      { path: 'password', message: 'is a masked value with no stored secret behind it: send the secret itself' },
    ]);
    const forged = sealSecretFields(box, { token: { $sealed: 'AAAA', masked: '****' } }, null, aad);
    expect(forged.problems).toEqual([{ path: 'token', message: 'must be the secret itself ($sealed is reserved)' }]);
  });

  it('ok/openSecretFields gives the plaintext back at every depth (the deploying agent), and a wrong AAD cannot open it', () => {
    const plain = { host: 'h', password_env: 'KEYSTORE_PASSWORD', auth: { passphrase: 's3cret', user: 'deploy' } };
    const { config } = sealSecretFields(box, plain, null, aad);
    expect(JSON.stringify(config)).not.toContain('s3cret');
    expect(openSecretFields(box, config, aad)).toEqual(plain);
    expect(() => openSecretFields(box, config, (path) => `target:other:${path}`)).toThrow();
  });
});
