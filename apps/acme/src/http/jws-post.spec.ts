import Fastify, { type FastifyInstance } from 'fastify';
import type { AcmeConfig } from '../config';
import type { AcmeError } from '../protocol/errors';
import { type JwsPostDeps, registerPost } from './jws-post';

const BASE = 'http://acme.example.test';
const config = {
  CERTCTL_ACME_BASE_URL: BASE,
  CERTCTL_PUBLIC_BASE_URL: BASE,
  CERTCTL_ACME_ALLOWED_HOSTS: [],
  CERTCTL_GATEWAY_PORT: 0,
  CERTCTL_GATEWAY_TLS_PORT: 0,
} as unknown as AcmeConfig;

/** A flattened JWS whose protected header names this URL, a nonce and an account (the signature is never reached). */
function jws(url: string) {
  const header = { alg: 'ES256', url, nonce: 'n'.repeat(43), kid: `${BASE}/acme/acct/acct-1` };
  return { protected: Buffer.from(JSON.stringify(header)).toString('base64url'), payload: '', signature: 'AAAA' };
}

function setup(nonceOk: boolean, account: unknown) {
  let answerNonce!: (ok: boolean) => void;
  const deps = {
    config,
    nonces: { redeem: jest.fn(() => new Promise<boolean>((resolve) => (answerNonce = resolve))) },
    accounts: { byId: jest.fn(async () => account) },
    profiles: {},
  } as unknown as JwsPostDeps;
  const app: FastifyInstance = Fastify();
  app.addContentTypeParser('application/jose+json', { parseAs: 'string' }, (_req, body, done) => done(null, JSON.parse(String(body))));
  app.setErrorHandler((err, _req, reply) => reply.code(400).send({ type: (err as unknown as AcmeError).type }));
  const handler = jest.fn();
  registerPost(app, deps, '/acme/x', 'kid', handler);
  const answer = async () => {
    for (let i = 0; i < 50 && !answerNonce; i++) await new Promise((resolve) => setImmediate(resolve));
    // The signer is read before the nonce is answered: the two run together.
    expect(deps.accounts.byId).toHaveBeenCalledWith('acct-1');
    answerNonce(nonceOk);
  };
  return { app, deps, handler, answer };
}

describe('registerPost: the nonce and the signer', () => {
  it('fail/a used nonce answers badNonce even when the account does not exist (the nonce still answers first)', async () => {
    const { app, handler, answer } = setup(false, null);
    const response = app.inject({
      method: 'POST',
      url: '/acme/x',
      headers: { 'content-type': 'application/jose+json' },
      payload: jws(`${BASE}/acme/x`),
    });
    await answer();
    expect((await response).json()).toEqual({ type: 'badNonce' });
    expect(handler).not.toHaveBeenCalled();
    await app.close();
  });

  it('fail/a fresh nonce with an unknown account answers accountDoesNotExist', async () => {
    const { app, handler, answer } = setup(true, null);
    const response = app.inject({
      method: 'POST',
      url: '/acme/x',
      headers: { 'content-type': 'application/jose+json' },
      payload: jws(`${BASE}/acme/x`),
    });
    await answer();
    expect((await response).json()).toEqual({ type: 'accountDoesNotExist' });
    expect(handler).not.toHaveBeenCalled();
    await app.close();
  });
});
