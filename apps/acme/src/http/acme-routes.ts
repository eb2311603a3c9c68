import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import { Histogram } from 'prom-client';
import { AppError } from '@certctl/contracts';
import { getLogger, registry } from '@certctl/observability';
import { clientIp } from '@certctl/platform';
import type { AcmeConfig } from '../config';
import { type AcmeAccountRow, AccountsService } from '../accounts/accounts.service';
import { CertificatesService } from '../certificates/certificates.service';
import { ChallengesService } from '../orders/challenges.service';
import { FinalizeService } from '../orders/finalize.service';
import { OrdersService } from '../orders/orders.service';
import { AcmeError } from '../protocol/errors';
import { type JwsProtectedHeader, type ParsedJws, parseJws, payloadJson, verifyJws } from '../protocol/jws';
import type { NonceService } from '../protocol/nonces';
import type { AcmeRateLimits } from '../protocol/rate-limits';
import { type AcmeHostConfig, type AcmeHostPolicy, AcmeUrls, accountIdOf, acmeBaseUrl, acmeHostPolicy } from '../protocol/urls';
import { type AcmeProfile, ProfileCache } from '../profiles/profile-cache';

const requestDuration = new Histogram({
  name: 'certctl_acme_request_duration_seconds',
  help: 'ACME request duration by endpoint and status',
  labelNames: ['endpoint', 'status'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export interface AcmeRouteDeps {
  config: AcmeConfig;
  nonces: NonceService;
  limits: AcmeRateLimits;
  profiles: ProfileCache;
  accounts: AccountsService;
  orders: OrdersService;
  challenges: ChallengesService;
  finalize: FinalizeService;
  certificates: CertificatesService;
}

/** What a handler answers; the edge adds Replay-Nonce, Link rel="index" and Cache-Control. */
interface AcmeReply {
  status?: number;
  body?: unknown;
  location?: string;
  links?: string[];
  contentType?: string;
  retryAfter?: number;
}

interface PostContext {
  req: FastifyRequest;
  jws: ParsedJws;
  header: JwsProtectedHeader;
  payload: unknown;
  account?: AcmeAccountRow;
  jwk?: JWK;
  urls: AcmeUrls;
  profile: AcmeProfile;
}

type KeyMode = 'kid' | 'jwk' | 'either';
type Params = { pid?: string; id?: string; certId?: string };

/**
 * The public ACME surface (RFC 8555, RFC 9773), authenticated by JWS only. Registered
 * on the service's Fastify instance, outside Nest's controllers: every response here is
 * the protocol's own (problem documents, Replay-Nonce, Link headers).
 */
export async function installAcmeRoutes(fastify: FastifyInstance, d: AcmeRouteDeps): Promise<void> {
  await fastify.register(
    async (app) => {
      app.addContentTypeParser(
        'application/jose+json',
        { parseAs: 'string', bodyLimit: d.config.CERTCTL_ACME_BODY_LIMIT_BYTES },
        (_req, body, done) => {
          try {
            done(null, JSON.parse(body as string));
          } catch {
            done(new AcmeError('malformed', 'the request body is not JSON'), undefined);
          }
        },
      );
      app.addHook('onSend', async (_req, reply) => {
        if (!reply.hasHeader('replay-nonce')) void reply.header('replay-nonce', d.nonces.issue());
        if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      });
      app.addHook('onResponse', async (req, reply) => {
        requestDuration.observe({ endpoint: endpointName(req), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      });
      app.setErrorHandler((err, req, reply) => sendError(req, reply, err, d));

      const base = (req: FastifyRequest) => baseUrl(req, d.config);
      const profileFor = (req: FastifyRequest) => d.profiles.get((req.params as Params).pid ?? d.profiles.defaultId);

      for (const prefix of ['', '/profile/:pid']) {
        app.get(`${prefix}/directory`, async (req, reply) => {
          const profile = await profileFor(req);
          const urls = new AcmeUrls(base(req), profile);
          return send(reply, { body: directory(urls, profile, d.config) }, urls, false);
        });
        const nonce = async (req: FastifyRequest, reply: FastifyReply) => {
          const urls = new AcmeUrls(base(req), await profileFor(req));
          return send(reply, { status: req.method === 'HEAD' ? 200 : 204 }, urls);
        };
        app.head(`${prefix}/new-nonce`, nonce);
        app.get(`${prefix}/new-nonce`, { exposeHeadRoute: false }, nonce);

        post(app, `${prefix}/new-account`, 'jwk', async (c) => {
          const { account, created } = await d.limits.newAccount(clientIp(c.req), () =>
            d.accounts.newAccount(c.jwk!, c.payload, c.urls, c.profile),
          );
          return { status: created ? 201 : 200, body: d.accounts.representation(account, c.urls), location: c.urls.account(account.id) };
        });
        post(app, `${prefix}/new-order`, 'kid', async (c) => {
          const { order, authz } = await d.orders.newOrder(c.account!, c.payload, c.profile, d.limits);
          return { status: 201, body: d.orders.orderRepresentation(order, authz, c.urls), location: c.urls.order(order.id) };
        });
        post(app, `${prefix}/key-change`, 'kid', async (c) => {
          await d.limits.take('key_changes', c.account!.id);
          const account = await d.accounts.keyChange(c.account!, c.header.url, c.payload, c.urls);
          return { body: d.accounts.representation(account, c.urls), location: c.urls.account(account.id) };
        });
        post(app, `${prefix}/revoke-cert`, 'either', async (c) => {
          const target = await d.certificates.parseRevocation(c.payload);
          await d.certificates.revoke(target, c.account ? { account: c.account } : { jwk: c.jwk });
          return { status: 200 };
        });
        app.get(`${prefix}/renewal-info/:certId`, async (req, reply) => {
          const urls = new AcmeUrls(base(req), await profileFor(req));
          if (!d.config.CERTCTL_ACME_ARI_ENABLED)
            throw new AcmeError('malformed', 'renewal information is not offered here', { status: 404 });
          const info = await d.certificates.renewalInfo((req.params as Params).certId!);
          return send(reply, { body: info, retryAfter: d.config.CERTCTL_ACME_ARI_RETRY_AFTER_SECONDS }, urls);
        });
      }

      post(app, '/acct/:id', 'kid', async (c, p) => {
        if (p.id !== c.account!.id) throw new AcmeError('unauthorized', 'the account URL does not match the signing account');
        const account = await d.accounts.update(c.account!, c.payload);
        return { body: d.accounts.representation(account, c.urls), location: c.urls.account(account.id) };
      });
      post(app, '/acct/:id/orders', 'kid', async (c, p) => {
        if (p.id !== c.account!.id) throw new AcmeError('unauthorized', "an account's orders are only listed to that account");
        postAsGet(c);
        return { body: await d.orders.accountOrders(c.account!, c.urls) };
      });
      post(app, '/order/:id', 'kid', async (c, p) => {
        postAsGet(c);
        const order = await d.finalize.settle(await d.orders.order(p.id!, c.account!));
        return {
          body: d.orders.orderRepresentation(order, await d.orders.authzIds(order.id), c.urls),
          ...(order.status === 'processing' ? { retryAfter: 1 } : {}),
        };
      });
      post(app, '/order/:id/finalize', 'kid', async (c, p) => {
        const order = await d.finalize.finalize(c.account!, p.id!, c.payload, c.profile);
        return {
          body: d.orders.orderRepresentation(order, await d.orders.authzIds(order.id), c.urls),
          location: c.urls.order(order.id),
          ...(order.status === 'processing' ? { retryAfter: 1 } : {}),
        };
      });
      post(app, '/authz/:id', 'kid', async (c, p) => {
        let authz = await d.orders.authz(p.id!, c.account!);
        if (c.payload !== undefined) {
          const body = c.payload as { status?: unknown };
          if (body && typeof body === 'object' && body.status === 'deactivated') authz = await d.orders.deactivateAuthz(authz);
          else if (body && typeof body === 'object' && Object.keys(body).length > 0)
            throw new AcmeError('malformed', 'an authorization only accepts {"status": "deactivated"}');
        }
        return { body: d.orders.authzRepresentation(authz, c.urls), ...(authz.status === 'pending' ? { retryAfter: 1 } : {}) };
      });
      post(app, '/chall/:id', 'kid', async (c, p) => {
        // POST-as-GET reads the challenge; any JSON object (`{}`) is the response that triggers validation.
        const { challenge, authzId } =
          c.payload === undefined ? await d.orders.challenge(p.id!, c.account!) : await d.challenges.respond(p.id!, c.account!, d.limits);
        return { body: d.orders.challengeRepresentation(challenge, c.urls), links: [`<${c.urls.authz(authzId)}>;rel="up"`] };
      });
      post(app, '/cert/:id', 'kid', async (c, p) => {
        postAsGet(c);
        const pem = await d.certificates.download(p.id!, c.account!);
        return { body: pem, contentType: 'application/pem-certificate-chain' };
      });
    },
    { prefix: '/acme' },
  );

  function post(app: FastifyInstance, path: string, mode: KeyMode, handler: (c: PostContext, p: Params) => Promise<AcmeReply>) {
    app.post(path, async (req, reply) => {
      const ctype = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      if (ctype !== 'application/jose+json')
        throw new AcmeError('malformed', 'ACME requests must be sent as application/jose+json', { status: 415 });
      const jws = parseJws(req.body);
      const header = jws.header;
      const params = req.params as Params;
      const b = baseUrl(req, d.config);
      const expectedUrl = `${b}${req.url}`;
      if (header.url !== expectedUrl)
        throw new AcmeError('unauthorized', `the JWS "url" (${header.url}) is not this request's URL (${expectedUrl})`);
      if (!header.nonce) throw new AcmeError('badNonce', 'the JWS has no nonce');
      if (!(await d.nonces.redeem(header.nonce))) throw new AcmeError('badNonce', 'the nonce is unknown, expired or already used');
      let account: AcmeAccountRow | undefined;
      let jwk: JWK | undefined;
      if (header.jwk) {
        if (mode === 'kid') throw new AcmeError('malformed', 'this request must be signed with the account key ("kid"), not a "jwk"');
        jwk = header.jwk;
      } else {
        if (mode === 'jwk') throw new AcmeError('malformed', 'this request must carry the public key as "jwk", not a "kid"');
        const accountId = accountIdOf(b, header.kid!);
        account = accountId ? ((await d.accounts.byId(accountId)) ?? undefined) : undefined;
        if (!account) throw new AcmeError('accountDoesNotExist', `no account ${JSON.stringify(header.kid)}`);
        if (account.status !== 'valid') throw new AcmeError('unauthorized', `the account is ${account.status}`);
      }
      const payload = payloadJson(await verifyJws(jws, (jwk ?? account!.jwk) as JWK, jwk ? undefined : account!.keyThumbprint));
      const profile = await d.profiles.get(params.pid ?? account?.profileId ?? d.profiles.defaultId);
      const urls = new AcmeUrls(b, profile);
      const out = await handler({ req, jws, header, payload, account, jwk, urls, profile }, params);
      return send(reply, out, urls);
    });
  }
}

function postAsGet(c: PostContext): void {
  if (c.payload !== undefined) throw new AcmeError('malformed', 'this resource is read with POST-as-GET (an empty payload)');
}

function send(reply: FastifyReply, out: AcmeReply, urls: AcmeUrls, index = true) {
  const links = [...(out.links ?? []), ...(index ? [`<${urls.directory}>;rel="index"`] : [])];
  if (links.length) void reply.header('link', links.join(', '));
  if (out.location) void reply.header('location', out.location);
  if (out.retryAfter !== undefined) void reply.header('retry-after', String(out.retryAfter));
  void reply.code(out.status ?? 200);
  if (out.body === undefined) return reply.send();
  if (typeof out.body === 'string') return reply.type(out.contentType ?? 'text/plain').send(out.body);
  return reply.type('application/json').send(out.body);
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, d: AcmeRouteDeps) {
  let acme: AcmeError;
  if (err instanceof AcmeError) acme = err;
  else if (err instanceof AppError && (err.code === 'service_unavailable' || err.code === 'timeout')) {
    acme = new AcmeError('serverInternal', 'a platform service is unavailable; retry shortly', { status: 503, retryAfterSeconds: 5 });
  } else if (err && typeof err === 'object' && 'statusCode' in err && (err as { statusCode: number }).statusCode < 500) {
    const e = err as { statusCode: number; message: string; code?: string };
    acme = new AcmeError('malformed', e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'the request body is too large' : e.message, {
      status: e.statusCode,
    });
  } else {
    getLogger().error({ err, url: req.url }, 'ACME request failed');
    acme = new AcmeError('serverInternal', 'the server could not process the request');
  }
  const problem = acme.toProblem();
  const pid = (req.params as Params | undefined)?.pid;
  const directory = `${baseUrl(req, d.config)}/acme${pid ? `/profile/${encodeURIComponent(pid)}` : ''}/directory`;
  void reply.header('link', `<${directory}>;rel="index"`);
  if (acme.opts.retryAfterSeconds !== undefined) void reply.header('retry-after', String(acme.opts.retryAfterSeconds));
  if (acme.opts.location) void reply.header('location', acme.opts.location);
  return reply.code(acme.status).type('application/problem+json').send(problem);
}

function directory(urls: AcmeUrls, profile: AcmeProfile, config: AcmeConfig) {
  return {
    newNonce: urls.newNonce,
    newAccount: urls.newAccount,
    newOrder: urls.newOrder,
    revokeCert: urls.revokeCert,
    keyChange: urls.keyChange,
    ...(config.CERTCTL_ACME_ARI_ENABLED ? { renewalInfo: urls.renewalInfo } : {}),
    meta: {
      ...(config.CERTCTL_ACME_TOS_URL ? { termsOfService: config.CERTCTL_ACME_TOS_URL } : {}),
      ...(config.CERTCTL_ACME_WEBSITE ? { website: config.CERTCTL_ACME_WEBSITE } : {}),
      ...(config.CERTCTL_ACME_CAA_IDENTITIES.length ? { caaIdentities: config.CERTCTL_ACME_CAA_IDENTITIES } : {}),
      externalAccountRequired: profile.eabRequired,
    },
  };
}

const hostPolicies = new WeakMap<AcmeHostConfig, AcmeHostPolicy>();

/**
 * The base URL the client used: configured, or the gateway's X-Forwarded-Proto/Host when that
 * Host is on the allow-list (acmeHostPolicy); any other Host gets the configured public URL.
 */
export function baseUrl(req: FastifyRequest, config: AcmeHostConfig): string {
  let policy = hostPolicies.get(config);
  if (!policy) hostPolicies.set(config, (policy = acmeHostPolicy(config)));
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  return acmeBaseUrl(policy, first(req.headers['x-forwarded-proto']), first(req.headers['x-forwarded-host']) ?? req.headers.host);
}

function endpointName(req: FastifyRequest): string {
  const route = req.routeOptions?.url ?? 'unmatched';
  return route.replace(/^\/acme(\/profile\/:pid)?/, '') || '/';
}
