import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { AppError, PrivateKeyRpc, Rpc } from '@certctl/contracts';
import {
  PRINCIPAL_TOKEN_TTL_S,
  carriesActor,
  generatePrincipalKeyPair,
  parseSigningKey,
  parseVerifyKey,
  parseVerifyKeys,
  payloadDigest,
  signPrincipal,
  verifyPrincipal,
} from './principal-token';

const SUBJECT = Rpc.inventory.jobApprove.subject;
const gw = generatePrincipalKeyPair();
const acme = generatePrincipalKeyPair();
const gateway = { signer: 'gateway', key: parseSigningKey(gw.signingKey) };
const acmeSigner = { signer: 'acme', key: parseSigningKey(acme.signingKey) };
const keys = parseVerifyKeys(gw.verifyKey, `acme=${acme.verifyKey}`);
const actor = { principal: 'alice', role: 'operator' };
const payload = { actor, id: 'job-1', reason: 'ok' };

const refused = (p: Promise<unknown>) => p.then(() => undefined).catch((e: unknown) => e as AppError);

describe('signed principal', () => {
  it('ok/a gateway-signed principal for this subject and payload verifies, with its API key id', async () => {
    const token = await signPrincipal(gateway, SUBJECT, actor, payload, 'key-1');
    await expect(verifyPrincipal(keys, token, SUBJECT, actor, JSON.parse(JSON.stringify(payload)))).resolves.toEqual({
      signer: 'gateway',
      principal: 'alice',
      role: 'operator',
      key_id: 'key-1',
    });
  });

  /** A gateway-signed token for alice with the issue and expiry times given (the signer never makes these). */
  const gatewayTokenAt = (iat: number, exp: number) =>
    new SignJWT({ principal: 'alice', role: 'operator', req_sha256: payloadDigest(payload) })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'gateway' })
      .setIssuer('gateway')
      .setAudience(SUBJECT)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(gateway.key);

  it('fail/no token → unauthorized', async () => {
    expect(await refused(verifyPrincipal(keys, undefined, SUBJECT, actor, payload))).toMatchObject({ code: 'unauthorized' });
  });

  it('fail/an expired token → unauthorized', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await gatewayTokenAt(now - PRINCIPAL_TOKEN_TTL_S - 30, now - 30);
    const err = await refused(verifyPrincipal(keys, token, SUBJECT, actor, payload));
    expect(err).toMatchObject({ code: 'unauthorized' });
    expect(err?.message).toMatch(/expired/);
  });

  it('fail/a long-lived token is refused even before its exp (max age)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await gatewayTokenAt(now - 3600, now + 3600);
    expect(await refused(verifyPrincipal(keys, token, SUBJECT, actor, payload))).toMatchObject({ code: 'unauthorized' });
  });

  it('fail/a token for another subject → forbidden', async () => {
    const token = await signPrincipal(gateway, Rpc.inventory.jobReject.subject, actor, payload);
    expect(await refused(verifyPrincipal(keys, token, SUBJECT, actor, payload))).toMatchObject({ code: 'forbidden' });
  });

  it('fail/a payload actor other than the signed one → forbidden', async () => {
    const token = await signPrincipal(gateway, SUBJECT, actor, payload);
    const forged = { principal: 'admin', role: 'admin' };
    expect(await refused(verifyPrincipal(keys, token, SUBJECT, forged, { ...payload, actor: forged }))).toMatchObject({
      code: 'forbidden',
    });
  });

  it('fail/a token reused for another payload (same actor) → forbidden', async () => {
    const token = await signPrincipal(gateway, SUBJECT, actor, payload);
    expect(await refused(verifyPrincipal(keys, token, SUBJECT, actor, { ...payload, id: 'job-2' }))).toMatchObject({ code: 'forbidden' });
  });

  it('fail/a token signed by an unknown key or signer → unauthorized', async () => {
    const stranger = { signer: 'gateway', key: parseSigningKey(generatePrincipalKeyPair().signingKey) };
    const bad = await signPrincipal(stranger, SUBJECT, actor, payload);
    expect(await refused(verifyPrincipal(keys, bad, SUBJECT, actor, payload))).toMatchObject({ code: 'unauthorized' });
    const unknown = await signPrincipal({ signer: 'scheduler', key: stranger.key }, SUBJECT, actor, payload);
    expect(await refused(verifyPrincipal(keys, unknown, SUBJECT, actor, payload))).toMatchObject({ code: 'unauthorized' });
    expect(await refused(verifyPrincipal(keys, 'not.a.jwt', SUBJECT, actor, payload))).toMatchObject({ code: 'unauthorized' });
  });

  it('ok/fail: a service signs only its own actors; only the gateway signs API principals', async () => {
    const own = { principal: 'acme:acct-1', role: 'acme' };
    const ownPayload = { actor: own, certificate_id: 'c1' };
    const ok = await signPrincipal(acmeSigner, SUBJECT, own, ownPayload);
    await expect(verifyPrincipal(keys, ok, SUBJECT, own, ownPayload)).resolves.toMatchObject({ signer: 'acme' });
    const asAdmin = { principal: 'admin', role: 'admin' };
    const stolen = await signPrincipal(acmeSigner, SUBJECT, asAdmin, { ...ownPayload, actor: asAdmin });
    expect(await refused(verifyPrincipal(keys, stolen, SUBJECT, asAdmin, { ...ownPayload, actor: asAdmin }))).toMatchObject({
      code: 'forbidden',
    });
  });

  it('ok/keys parse from base64url and PEM; bad ones fail clearly', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    expect(parseSigningKey(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string).asymmetricKeyType).toBe('ed25519');
    expect(parseVerifyKey(publicKey.export({ format: 'pem', type: 'spki' }) as string).asymmetricKeyType).toBe('ed25519');
    expect(() => parseVerifyKey('c2hvcnQ')).toThrow(/32 bytes/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(() => parseVerifyKey(rsa)).toThrow(/Ed25519/);
    expect(() => parseVerifyKeys(undefined, `nobody=${gw.verifyKey}`)).toThrow(/no service/);
  });

  it('ok/contracts whose request names an actor are the ones that need a signature', () => {
    expect(carriesActor(Rpc.inventory.jobApprove)).toBe(true);
    expect(carriesActor(Rpc.inventory.certificateGet)).toBe(false);
    expect(carriesActor(PrivateKeyRpc.export)).toBe(true);
  });
});
