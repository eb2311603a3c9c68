import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import type { AcmeAccountRow } from '../accounts/accounts.repository';
import type { AccountsService } from '../accounts/accounts.service';
import type { AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';
import { type JwsProtectedHeader, type ParsedJws, parseJws, payloadJson, verifyJws } from '../protocol/jws';
import type { NonceService } from '../protocol/nonces';
import { AcmeUrls, accountIdOf } from '../protocol/urls';
import type { AcmeProfile, ProfileCache } from '../profiles/profile-cache';
import { type AcmeReply, type Params, baseUrl, send } from './acme-edge';

/** An authenticated POST: its verified JWS, the signer (an account by `kid`, or a bare `jwk`) and the profile. */
export interface PostContext {
  req: FastifyRequest;
  jws: ParsedJws;
  header: JwsProtectedHeader;
  payload: unknown;
  account?: AcmeAccountRow;
  jwk?: JWK;
  urls: AcmeUrls;
  profile: AcmeProfile;
}

/** Which key a request must be signed with: an account's (`kid`), a bare public key (`jwk`), or either. */
export type KeyMode = 'kid' | 'jwk' | 'either';

export interface JwsPostDeps {
  config: AcmeConfig;
  nonces: NonceService;
  profiles: ProfileCache;
  accounts: Pick<AccountsService, 'byId'>;
}

type Signer = { account?: AcmeAccountRow; jwk?: JWK };

/** Registers an ACME POST route (RFC 8555 §6.2): the handler runs only for a verified JWS with a fresh nonce. */
export function registerPost(
  app: FastifyInstance,
  deps: JwsPostDeps,
  path: string,
  mode: KeyMode,
  handler: (ctx: PostContext, params: Params) => Promise<AcmeReply>,
): void {
  app.post(path, async (req, reply) => {
    requireJoseContentType(req);
    const jws = parseJws(req.body);
    const header = jws.header;
    const params = req.params as Params;
    const base = baseUrl(req, deps.config);
    // The nonce is redeemed while the signer is read; a bad URL or nonce still answers first.
    const [nonce, signer] = await Promise.allSettled([
      checkUrlAndNonce(header, `${base}${req.url}`, deps.nonces),
      signerOf(header, mode, base, deps.accounts),
    ]);
    if (nonce.status === 'rejected') throw nonce.reason;
    if (signer.status === 'rejected') throw signer.reason;
    const { account, jwk } = signer.value;
    const payload = payloadJson(await verifyJws(jws, (jwk ?? account!.jwk) as JWK, jwk ? undefined : account!.keyThumbprint));
    const profile = await deps.profiles.get(params.pid ?? account?.profileId ?? deps.profiles.defaultId);
    const urls = new AcmeUrls(base, profile);
    const out = await handler({ req, jws, header, payload, account, jwk, urls, profile }, params);
    return send(reply, out, urls);
  });
}

function requireJoseContentType(req: FastifyRequest): void {
  const contentType = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (contentType !== 'application/jose+json')
    throw new AcmeError('malformed', 'ACME requests must be sent as application/jose+json', { status: 415 });
}

/** RFC 8555 §6.4–6.5: the JWS names this very URL and carries a nonce this server issued and nobody used. */
async function checkUrlAndNonce(header: JwsProtectedHeader, expectedUrl: string, nonces: NonceService): Promise<void> {
  if (header.url !== expectedUrl)
    throw new AcmeError('unauthorized', `the JWS "url" (${header.url}) is not this request's URL (${expectedUrl})`);
  if (!header.nonce) throw new AcmeError('badNonce', 'the JWS has no nonce');
  if (!(await nonces.redeem(header.nonce))) throw new AcmeError('badNonce', 'the nonce is unknown, expired or already used');
}

/** The key the JWS must verify with: the header's `jwk`, or the valid account its `kid` names. */
async function signerOf(header: JwsProtectedHeader, mode: KeyMode, base: string, accounts: JwsPostDeps['accounts']): Promise<Signer> {
  if (header.jwk) {
    if (mode === 'kid') throw new AcmeError('malformed', 'this request must be signed with the account key ("kid"), not a "jwk"');
    return { jwk: header.jwk };
  }
  if (mode === 'jwk') throw new AcmeError('malformed', 'this request must carry the public key as "jwk", not a "kid"');
  const accountId = accountIdOf(base, header.kid!);
  const account = accountId ? ((await accounts.byId(accountId)) ?? undefined) : undefined;
  if (!account) throw new AcmeError('accountDoesNotExist', `no account ${JSON.stringify(header.kid)}`);
  if (account.status !== 'valid') throw new AcmeError('unauthorized', `the account is ${account.status}`);
  return { account };
}

/** Resources read with POST-as-GET refuse a payload. */
export function postAsGet(ctx: PostContext): void {
  if (ctx.payload !== undefined) throw new AcmeError('malformed', 'this resource is read with POST-as-GET (an empty payload)');
}
