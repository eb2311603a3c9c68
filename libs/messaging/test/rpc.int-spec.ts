import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { connect, headers as natsHeaders } from 'nats';
import { AppError, PrivateKeyRpc, Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { DrainingNatsServer, MessagingModule, PRINCIPAL_HEADER, RpcClient, RpcHandler, parseSigningKey, signPrincipal } from '../src';
import { startNatsServer } from '@certctl/testing';
import { issuerReply } from './issuer-reply';

const exported: string[] = [];

@Controller()
class FakePrivateKeyHandler {
  @RpcHandler(PrivateKeyRpc.export)
  export(@Payload() req: RpcRequestParsed<typeof PrivateKeyRpc.export>) {
    exported.push(req.actor.principal);
    return { format: req.format, encrypted: false, content_base64: 'a2V5' };
  }
}

@Controller()
class FakeIssuerHandler {
  @RpcHandler(Rpc.issuance.issuerGet)
  get(@Payload() req: RpcRequestParsed<typeof Rpc.issuance.issuerGet>) {
    if (req.id === 'missing') throw AppError.notFound('issuer', req.id);
    if (req.id === 'malformed') return { id: req.id };
    return issuerReply(req.id);
  }
}

describe('typed request/reply over NATS', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let server: INestMicroservice;
  let client: RpcClient;
  const clients: RpcClient[] = [];
  /** A client connected as `service` (its NATS user and, if it has one, its signing key). */
  const clientAs = async (service: string, extra: Record<string, string> = {}) => {
    const env = { ...nats.envFor(service), ...extra };
    const c = new RpcClient({
      servers: nats.url,
      service,
      timeoutMs: 1000,
      user: env.NATS_USER,
      password: env.NATS_PASSWORD,
      signingKey: env.CERTCTL_PRINCIPAL_SIGNING_KEY,
    });
    await c.onModuleInit();
    clients.push(c);
    return c;
  };
  const exportRequest = { actor: { principal: 'alice', role: 'admin' }, issuer_id: 'iss-1', serial_number: '01', format: 'pem' as const };

  beforeAll(async () => {
    nats = await startNatsServer();
    const issuance = nats.envFor('issuance');
    @Module({
      imports: [
        MessagingModule.forRoot({
          servers: nats.url,
          service: 'issuance',
          timeoutMs: 1000,
          user: issuance.NATS_USER,
          password: issuance.NATS_PASSWORD,
          verifyKey: issuance.CERTCTL_PRINCIPAL_VERIFY_KEY,
          verifyKeys: issuance.CERTCTL_PRINCIPAL_VERIFY_KEYS,
        }),
      ],
      controllers: [FakeIssuerHandler, FakePrivateKeyHandler],
    })
    class ServerModule {}
    server = await NestFactory.createMicroservice(ServerModule, {
      strategy: new DrainingNatsServer(nats.url, 'issuance', { user: issuance.NATS_USER, password: issuance.NATS_PASSWORD }),
      logger: false,
    });
    await server.listen();
    client = await clientAs('gateway');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.onApplicationShutdown()));
    await server.close();
    await nats.stop();
  });

  it('ok/a reply is validated and typed', async () => {
    const issuer = await client.request(Rpc.issuance.issuerGet, { id: 'iss-1' });
    expect(issuer).toMatchObject({ id: 'iss-1', type: 'local' });
  });

  it('fail/a handler AppError is rebuilt on the caller with its code', async () => {
    const err = await client.request(Rpc.issuance.issuerGet, { id: 'missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'not_found', retryable: false });
  });

  it('fail/the sender refuses a request that breaks the contract', async () => {
    const err = await client.request(Rpc.issuance.issuerGet, { id: '' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation_failed' });
  });

  it('fail/a reply that breaks the contract is an internal error, not garbage', async () => {
    const err = await client.request(Rpc.issuance.issuerGet, { id: 'malformed' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'internal' });
  });

  it('fail/a subject nobody answers → service_unavailable within the timeout', async () => {
    const t0 = Date.now();
    const err = await client.request(Rpc.inventory.certificateGet, { id: 'cert-1' }, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'service_unavailable', retryable: true });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('fail/a service that stops answering opens its circuit: calls then fail at once, and one answer closes it again', async () => {
    // A stand-in for inventory that takes requests and, until told, answers none of them.
    const inventory = nats.envFor('inventory');
    const responder = await connect({ servers: nats.url, user: inventory.NATS_USER, pass: inventory.NATS_PASSWORD });
    let received = 0;
    let answering = false;
    let now = Date.now(); // the circuits' time, moved by the test instead of sleeping
    responder.subscribe(Rpc.inventory.certificateGet.subject, {
      callback: (_err, msg) => {
        received++;
        if (!answering) return;
        const { id } = JSON.parse(Buffer.from(msg.data).toString('utf8')) as { id: string };
        msg.respond(JSON.stringify({ id, err: AppError.notFound('certificate', 'cert-1').toWire(), isDisposed: true }));
      },
    });
    await responder.flush();
    const gateway = nats.envFor('gateway');
    const caller = new RpcClient({
      servers: nats.url,
      service: 'gateway',
      timeoutMs: 200,
      user: gateway.NATS_USER,
      password: gateway.NATS_PASSWORD,
      breaker: { failures: 3, openMs: 400, maxOpenMs: 1000 },
      nowMs: () => now,
    });
    await caller.onModuleInit();
    clients.push(caller);
    const get = async () => {
      const t0 = Date.now();
      const err = (await caller.request(Rpc.inventory.certificateGet, { id: 'cert-1' }).catch((e: unknown) => e)) as AppError;
      return { err, ms: Date.now() - t0 };
    };
    try {
      for (let i = 0; i < 3; i++) {
        const timedOut = await get();
        expect(timedOut.err).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/did not reply in time/) });
        expect(timedOut.ms).toBeGreaterThanOrEqual(190);
      }
      expect(received).toBe(3);
      const refused = await get();
      expect(refused.err).toMatchObject({ code: 'service_unavailable', retryable: true });
      expect(refused.err.message).toMatch(/inventory service did not answer 3 calls in a row/);
      expect(refused.ms).toBeLessThan(100);
      expect(received).toBe(3); // refused here: nothing was sent

      answering = true;
      now += 399;
      expect((await get()).err.message).toMatch(/did not answer 3 calls in a row/); // still open
      expect(received).toBe(3);
      now += 1;
      const probe = await get();
      expect(probe.err).toMatchObject({ code: 'not_found' }); // an answer: the service is back
      expect(received).toBe(4);
      expect((await get()).err).toMatchObject({ code: 'not_found' });
      expect(received).toBe(5);
    } finally {
      await responder.close();
    }
  });

  describe('bus credentials and signed principals', () => {
    beforeEach(() => exported.splice(0));

    it('ok/the gateway (its NATS user, its signing key) exports a key as the signed actor', async () => {
      await expect(client.request(PrivateKeyRpc.export, exportRequest)).resolves.toMatchObject({ content_base64: 'a2V5' });
      expect(exported).toEqual(['alice']);
    });

    it('fail/another service (notifications) may not publish to the export subject: nothing reaches issuance', async () => {
      const notifications = await clientAs('notifications');
      const err = await notifications.request(PrivateKeyRpc.export, exportRequest, { timeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'service_unavailable' });
      expect(exported).toEqual([]);
    });

    it('fail/a connection without credentials is refused by the server', async () => {
      await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow(/authorization/i);
    });

    it('fail/a valid NATS user sending an actor without a signature → unauthorized', async () => {
      const unsigned = await clientAs('gateway', { CERTCTL_PRINCIPAL_SIGNING_KEY: '' });
      const err = await unsigned.request(PrivateKeyRpc.export, exportRequest).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unauthorized' });
      expect(exported).toEqual([]);
    });

    it('fail/a signature for another payload, or by a signer that may not assert the actor → forbidden', async () => {
      const nc = await connect({ servers: nats.url, user: nats.test.user, pass: nats.test.pass });
      const send = async (data: unknown, token: string) => {
        const h = natsHeaders();
        h.set(PRINCIPAL_HEADER, token);
        const msg = await nc.request(
          PrivateKeyRpc.export.subject,
          JSON.stringify({ pattern: PrivateKeyRpc.export.subject, data, id: '1' }),
          {
            headers: h,
            timeout: 1000,
          },
        );
        return JSON.parse(new TextDecoder().decode(msg.data)) as { err?: { code: string } };
      };
      const gateway = { signer: 'gateway', key: parseSigningKey(nats.secrets.principal.gateway!.signingKey) };
      const signedForBob = await signPrincipal(gateway, PrivateKeyRpc.export.subject, exportRequest.actor, {
        ...exportRequest,
        serial_number: '02',
      });
      expect((await send(exportRequest, signedForBob)).err).toMatchObject({ code: 'forbidden' });
      const acme = { signer: 'acme', key: parseSigningKey(nats.secrets.principal.acme!.signingKey) };
      const acmeAsAlice = await signPrincipal(acme, PrivateKeyRpc.export.subject, exportRequest.actor, exportRequest);
      expect((await send(exportRequest, acmeAsAlice)).err).toMatchObject({ code: 'forbidden' });
      const forged = { ...exportRequest, actor: { principal: 'mallory', role: 'admin' } };
      const signedAlice = await signPrincipal(gateway, PrivateKeyRpc.export.subject, exportRequest.actor, forged);
      expect((await send(forged, signedAlice)).err).toMatchObject({ code: 'forbidden' });
      expect(exported).toEqual([]);
      await nc.close();
    });
  });

  it('fail/a request whose text holds NUL or an unpaired surrogate is refused by the handler before any schema (validation_failed naming the field)', async () => {
    const nc = await connect({ servers: nats.url, user: nats.test.user, pass: nats.test.pass });
    try {
      const send = async (data: unknown) => {
        const msg = await nc.request(
          Rpc.issuance.issuerGet.subject,
          JSON.stringify({ pattern: Rpc.issuance.issuerGet.subject, data, id: '1' }),
          {
            timeout: 1000,
          },
        );
        return JSON.parse(new TextDecoder().decode(msg.data)) as { err?: { code: string; fields?: { field: string }[] } };
      };
      expect((await send({ id: 'iss-1\u0000' })).err).toMatchObject({ code: 'validation_failed', fields: [{ field: 'id' }] });
      expect((await send({ id: 'iss-1', extra: { deep: 'a\ud800' } })).err).toMatchObject({
        code: 'validation_failed',
        fields: [{ field: 'extra.deep' }],
      });
    } finally {
      await nc.close();
    }
  });
});
