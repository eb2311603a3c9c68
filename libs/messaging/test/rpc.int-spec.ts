import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AppError, Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { DrainingNatsServer, MessagingModule, RpcClient, RpcHandler } from '../src';
import { startNatsServer } from '@certctl/testing';

@Controller()
class FakeIssuerHandler {
  @RpcHandler(Rpc.issuance.issuerGet)
  get(@Payload() req: RpcRequestParsed<typeof Rpc.issuance.issuerGet>) {
    if (req.id === 'missing') throw AppError.notFound('issuer', req.id);
    if (req.id === 'malformed') return { id: req.id };
    const now = new Date().toISOString();
    return {
      id: req.id,
      name: 'x',
      type: 'local',
      parent_id: null,
      enabled: true,
      config: {},
      ca_certificate_pem: null,
      ca_chain_pem: null,
      created_at: now,
      updated_at: now,
    };
  }
}

describe('typed request/reply over NATS', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let server: INestMicroservice;
  let client: RpcClient;

  beforeAll(async () => {
    nats = await startNatsServer();
    @Module({
      imports: [MessagingModule.forRoot({ servers: nats.url, service: 'issuance', timeoutMs: 1000 })],
      controllers: [FakeIssuerHandler],
    })
    class ServerModule {}
    server = await NestFactory.createMicroservice(ServerModule, { strategy: new DrainingNatsServer(nats.url, 'issuance'), logger: false });
    await server.listen();
    client = new RpcClient({ servers: nats.url, service: 'test', timeoutMs: 1000 });
    await client.onModuleInit();
  });

  afterAll(async () => {
    await client.onApplicationShutdown();
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
});
