import { fieldErrorsFromZod } from '@certctl/contracts';
import { CompactEncrypt, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { ProvisionerKeys, oneTimeToken } from './stepca-client';
import { stepcaConfigSchema } from './stepca-config';
import { StepcaConnector } from './stepca.connector';

const FINGERPRINT = `AB:CD:${'ef'.repeat(30)}`;

async function sealedKey(password: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'kid-1', alg: 'ES256' };
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: 1000 })
    .encrypt(new TextEncoder().encode(password));
  return { jwk, jwe };
}

function fields(raw: unknown): string[] {
  const parsed = stepcaConfigSchema.safeParse(raw);
  return parsed.success
    ? []
    : fieldErrorsFromZod(parsed.error)
        .map((f) => f.field)
        .sort();
}

describe('stepca config', () => {
  it('ok/normalizes the URL and the fingerprint (colons, case) and defaults the timeout; secrets are the password and the JWK', async () => {
    const { jwe } = await sealedKey('pw');
    const config = stepcaConfigSchema.parse({
      url: 'https://ca.internal:9000/',
      provisioner: 'certctl',
      provisioner_encrypted_key: jwe,
      provisioner_password: 'pw',
      root_fingerprint: FINGERPRINT,
    });
    expect(config).toMatchObject({ url: 'https://ca.internal:9000', root_fingerprint: `abcd${'ef'.repeat(30)}`, timeout_ms: 30000 });
    expect(new StepcaConnector().secretFields).toEqual(['provisioner_password', 'provisioner_jwk']);
  });

  it('fail/names every bad field: http, a path, a bad JWE, a short fingerprint, unknown keys, the missing key, password and trust', () => {
    expect(
      fields({ url: 'http://ca.internal/x', provisioner: 'a b', provisioner_encrypted_key: 'x.y', root_fingerprint: 'abc', extra: 1 }),
    ).toEqual(['extra', 'provisioner', 'provisioner_encrypted_key', 'provisioner_password', 'root_fingerprint', 'url', 'url']);
    expect(fields({ url: 'https://ca', provisioner: 'p' })).toEqual(['provisioner_encrypted_key', 'root_fingerprint']);
    expect(
      fields({
        url: 'https://ca',
        provisioner: 'p',
        provisioner_jwk: { kty: 'EC', d: 'x' },
        provisioner_encrypted_key: 'a.b.c.d.e',
        provisioner_password: 'p',
        ca_bundle_pem: 'nope',
      }),
    ).toEqual(['ca_bundle_pem', 'provisioner_jwk']);
  });
});

describe('stepca one-time tokens', () => {
  it('ok/the provisioner key decrypts with its password; the token names the provisioner, the endpoint, the subject and a fresh jti', async () => {
    const { jwe } = await sealedKey('secret');
    const config = stepcaConfigSchema.parse({
      url: 'https://ca.internal:9000',
      provisioner: 'certctl',
      provisioner_encrypted_key: jwe,
      provisioner_password: 'secret',
      root_fingerprint: 'ab'.repeat(32),
    });
    const key = await new ProvisionerKeys().load(config);
    expect(key).toMatchObject({ kid: 'kid-1', alg: 'ES256' });
    const token = await oneTimeToken(key, config, '/1.0/sign', 'a.example.com', { sans: ['a.example.com', '10.0.0.1'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'kid-1', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'certctl',
      aud: 'https://ca.internal:9000/1.0/sign',
      sub: 'a.example.com',
      sans: ['a.example.com', '10.0.0.1'],
    });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(decodeJwt(await oneTimeToken(key, config, '/1.0/sign', 'a.example.com')).jti).not.toBe(claims.jti);
  });

  it('fail/a wrong password is a terminal error naming the provisioner', async () => {
    const { jwe } = await sealedKey('secret');
    const config = stepcaConfigSchema.parse({
      url: 'https://ca.internal:9000',
      provisioner: 'certctl',
      provisioner_encrypted_key: jwe,
      provisioner_password: 'wrong',
      root_fingerprint: 'ab'.repeat(32),
    });
    await expect(new ProvisionerKeys().load(config)).rejects.toMatchObject({
      code: 'issuer_failure',
      retryable: false,
      message: expect.stringContaining('the provisioner key of certctl cannot be decrypted with the configured password'),
    });
  });
});
