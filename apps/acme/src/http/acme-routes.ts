import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientIp, traceRoutes } from '@certctl/platform';
import type { AcmeConfig } from '../config';
import type { AcmeAudit } from './acme-audit';
import type { AccountsService } from '../accounts/accounts.service';
import type { CertificatesService } from '../certificates/certificates.service';
import type { ChallengesService } from '../orders/challenges.service';
import type { FinalizeService } from '../orders/finalize.service';
import type { OrdersService } from '../orders/orders.service';
import { accountOrdersRepresentation, authzRepresentation, challengeRepresentation, orderRepresentation } from '../orders/representations';
import type { OrderRow } from '../orders/orders.repository';
import { AcmeError } from '../protocol/errors';
import type { NonceService } from '../protocol/nonces';
import type { AcmeRateLimits } from '../protocol/rate-limits';
import { AcmeUrls } from '../protocol/urls';
import type { AcmeProfile, ProfileCache } from '../profiles/profile-cache';
import type { ProfileSettingsService } from '../profiles/profile-settings.service';
import { type AcmeReply, type Params, baseUrl, installAcmeEdge, send } from './acme-edge';
import { type KeyMode, type PostContext, postAsGet, registerPost } from './jws-post';

export interface AcmeRouteDeps {
  config: AcmeConfig;
  nonces: NonceService;
  limits: AcmeRateLimits;
  profiles: ProfileCache;
  profileSettings: ProfileSettingsService;
  accounts: AccountsService;
  orders: OrdersService;
  challenges: ChallengesService;
  finalize: FinalizeService;
  certificates: CertificatesService;
  /** Every change made here is published for the audit trail (actor `acme:<account id>`). */
  audit: Pick<AcmeAudit, 'record'>;
}

type Post = (path: string, mode: KeyMode, handler: (ctx: PostContext, params: Params) => Promise<AcmeReply>) => void;

/**
 * The public ACME surface (RFC 8555, RFC 9773), authenticated by JWS only. Registered
 * on the service's Fastify instance, outside Nest's controllers: every response here is
 * the protocol's own (problem documents, Replay-Nonce, Link headers).
 */
export async function installAcmeRoutes(fastify: FastifyInstance, deps: AcmeRouteDeps): Promise<void> {
  await fastify.register(
    async (app) => {
      traceRoutes(app); // each ACME request is a span of the caller's (the gateway's) trace
      installAcmeEdge(app, deps.config, deps.nonces);
      const post: Post = (path, mode, handler) => registerPost(app, deps, path, mode, handler);
      for (const prefix of ['', '/profile/:pid']) {
        installDirectoryRoutes(app, deps, prefix);
        installProfileRoutes(post, deps, prefix);
      }
      installAccountRoutes(post, deps);
      installOrderRoutes(post, deps);
    },
    { prefix: '/acme' },
  );
}

/** The unauthenticated GETs of one profile's directory: directory, new-nonce, renewal-info. */
function installDirectoryRoutes(app: FastifyInstance, deps: AcmeRouteDeps, prefix: string): void {
  const profileFor = (req: FastifyRequest) => deps.profiles.get((req.params as Params).pid ?? deps.profiles.defaultId);
  const urlsFor = async (req: FastifyRequest) => new AcmeUrls(baseUrl(req, deps.config), await profileFor(req));

  app.get(`${prefix}/directory`, async (req, reply) => {
    const profile = await profileFor(req);
    const urls = new AcmeUrls(baseUrl(req, deps.config), profile);
    const meta = await deps.profileSettings.directoryMeta(profile.id);
    return send(reply, { body: directory(urls, profile, deps.config, meta) }, urls, false);
  });
  const nonce = async (req: FastifyRequest, reply: FastifyReply) =>
    send(reply, { status: req.method === 'HEAD' ? 200 : 204 }, await urlsFor(req));
  app.head(`${prefix}/new-nonce`, nonce);
  app.get(`${prefix}/new-nonce`, { exposeHeadRoute: false }, nonce);
  app.get(`${prefix}/renewal-info/:certId`, async (req, reply) => {
    const urls = await urlsFor(req);
    if (!deps.config.CERTCTL_ACME_ARI_ENABLED) throw new AcmeError('malformed', 'renewal information is not offered here', { status: 404 });
    const info = await deps.certificates.renewalInfo((req.params as Params).certId!);
    return send(reply, { body: info, retryAfter: deps.config.CERTCTL_ACME_ARI_RETRY_AFTER_SECONDS }, urls);
  });
}

/** The directory's POST resources of one profile: new-account, new-order, key-change, revoke-cert. */
function installProfileRoutes(post: Post, deps: AcmeRouteDeps, prefix: string): void {
  post(`${prefix}/new-account`, 'jwk', async (ctx) => {
    const { account, created } = await deps.limits.newAccount(clientIp(ctx.req), () =>
      deps.accounts.newAccount(ctx.jwk!, ctx.payload, ctx.urls, ctx.profile),
    );
    if (created) {
      await deps.audit.record(account.id, {
        action: 'acme.account.create',
        resource_type: 'acme_account',
        resource_id: account.id,
        details: { profile_id: ctx.profile.id },
      });
    }
    return { status: created ? 201 : 200, body: deps.accounts.representation(account, ctx.urls), location: ctx.urls.account(account.id) };
  });
  post(`${prefix}/new-order`, 'kid', async (ctx) => {
    const { order, authz } = await deps.orders.newOrder(ctx.account!, ctx.payload, ctx.profile, deps.limits);
    await deps.audit.record(ctx.account!.id, {
      action: 'acme.order.create',
      resource_type: 'acme_order',
      resource_id: order.id,
      details: { profile_id: ctx.profile.id, identifiers: (order.identifiers as { value?: unknown }[]).map((i) => i.value) },
    });
    return { status: 201, body: orderRepresentation(order, authz, ctx.urls), location: ctx.urls.order(order.id) };
  });
  post(`${prefix}/key-change`, 'kid', async (ctx) => {
    await deps.limits.take('key_changes', ctx.account!.id);
    const account = await deps.accounts.keyChange(ctx.account!, ctx.header.url, ctx.payload, ctx.urls);
    await deps.audit.record(account.id, { action: 'acme.account.key_change', resource_type: 'acme_account', resource_id: account.id });
    return { body: deps.accounts.representation(account, ctx.urls), location: ctx.urls.account(account.id) };
  });
  post(`${prefix}/revoke-cert`, 'either', async (ctx) => {
    const target = await deps.certificates.parseRevocation(ctx.payload);
    await deps.certificates.revoke(target, ctx.account ? { account: ctx.account } : { jwk: ctx.jwk });
    await deps.audit.record(ctx.account?.id, {
      action: 'acme.certificate.revoke',
      resource_type: 'certificate',
      resource_id: target.order.certificateId,
      details: { order_id: target.order.id, serial_number: target.order.serialNumber, reason_code: target.reason },
    });
    return { status: 200 };
  });
}

/** An account and its orders list, both only to the account itself. */
function installAccountRoutes(post: Post, deps: AcmeRouteDeps): void {
  post('/acct/:id', 'kid', async (ctx, params) => {
    if (params.id !== ctx.account!.id) throw new AcmeError('unauthorized', 'the account URL does not match the signing account');
    const account = await deps.accounts.update(ctx.account!, ctx.payload);
    const change = accountChangeOf(ctx.payload);
    if (change) await deps.audit.record(account.id, { action: change, resource_type: 'acme_account', resource_id: account.id });
    return { body: deps.accounts.representation(account, ctx.urls), location: ctx.urls.account(account.id) };
  });
  post('/acct/:id/orders', 'kid', async (ctx, params) => {
    if (params.id !== ctx.account!.id) throw new AcmeError('unauthorized', "an account's orders are only listed to that account");
    postAsGet(ctx);
    return { body: accountOrdersRepresentation(await deps.orders.accountOrderIds(ctx.account!), ctx.urls) };
  });
}

/** Orders, their finalization, authorizations, challenges and the issued certificate. */
function installOrderRoutes(post: Post, deps: AcmeRouteDeps): void {
  const orderReply = async (order: OrderRow, ctx: PostContext): Promise<AcmeReply> => ({
    body: orderRepresentation(order, await deps.orders.authzIds(order.id), ctx.urls),
    ...(order.status === 'processing' ? { retryAfter: 1 } : {}),
  });
  post('/order/:id', 'kid', async (ctx, params) => {
    postAsGet(ctx);
    return orderReply(await deps.finalize.settle(await deps.orders.order(params.id!, ctx.account!)), ctx);
  });
  post('/order/:id/finalize', 'kid', async (ctx, params) => {
    const order = await deps.finalize.finalize(ctx.account!, params.id!, ctx.payload, ctx.profile);
    // The audit event is published while the answer is built (its authorizations read).
    const [, reply] = await Promise.all([
      deps.audit.record(ctx.account!.id, {
        action: 'acme.order.finalize',
        resource_type: 'acme_order',
        resource_id: order.id,
        details: { status: order.status, certificate_id: order.certificateId, job_id: order.jobId },
      }),
      orderReply(order, ctx),
    ]);
    return { ...reply, location: ctx.urls.order(order.id) };
  });
  post('/authz/:id', 'kid', async (ctx, params) => {
    let authz = await deps.orders.authz(params.id!, ctx.account!);
    if (ctx.payload !== undefined) {
      const body = ctx.payload as { status?: unknown };
      if (body && typeof body === 'object' && body.status === 'deactivated') {
        authz = await deps.orders.deactivateAuthz(authz);
        await deps.audit.record(ctx.account!.id, {
          action: 'acme.authorization.deactivate',
          resource_type: 'acme_authorization',
          resource_id: authz.id,
        });
      } else if (body && typeof body === 'object' && Object.keys(body).length > 0)
        throw new AcmeError('malformed', 'an authorization only accepts {"status": "deactivated"}');
    }
    return { body: authzRepresentation(authz, ctx.urls), ...(authz.status === 'pending' ? { retryAfter: 1 } : {}) };
  });
  post('/chall/:id', 'kid', async (ctx, params) => {
    // POST-as-GET reads the challenge; any JSON object (`{}`) is the response that triggers validation.
    const { challenge, authzId } =
      ctx.payload === undefined
        ? await deps.orders.challenge(params.id!, ctx.account!)
        : await deps.challenges.respond(params.id!, ctx.account!, deps.limits);
    return { body: challengeRepresentation(challenge, ctx.urls), links: [`<${ctx.urls.authz(authzId)}>;rel="up"`] };
  });
  post('/cert/:id', 'kid', async (ctx, params) => {
    postAsGet(ctx);
    const pem = await deps.certificates.download(params.id!, ctx.account!);
    return { body: pem, contentType: 'application/pem-certificate-chain' };
  });
}

/** The audit action of an account update (RFC 8555 §7.3.2, §7.3.6), or none for a read. */
function accountChangeOf(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const body = payload as { status?: unknown; contact?: unknown };
  if (body.status === 'deactivated') return 'acme.account.deactivate';
  return body.contact !== undefined ? 'acme.account.update' : undefined;
}

function directory(urls: AcmeUrls, profile: AcmeProfile, config: AcmeConfig, certctl: Record<string, unknown>) {
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
      certctl,
    },
  };
}
