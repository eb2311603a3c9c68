import type { ClientNats } from '@nestjs/microservices';
import { AppError, Events, Rpc } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { issuerReply } from '../test/issuer-reply';
import { RpcClient } from './rpc-client';
import { RpcContractViolationError, RpcMalformedReplyError } from './rpc-reply';

type Callback = (err: Error | null, msg: { data: Uint8Array }) => void | Promise<void>;
/** What the fake server sends back for a request packet (its id included), or undefined for no reply. */
type Answer = (packet: { id: string; pattern: string; data: unknown }) => Uint8Array | string | undefined;

/**
 * A NATS connection stand-in under the real transport: requests published on a subject are
 * answered with the bytes `answer` gives, on the request's reply inbox.
 */
function fakeConnection(answer: Answer) {
  const subscriptions = new Map<string, Callback>();
  const deliver = (subject: string, data: Uint8Array) => void subscriptions.get(subject)?.(null, { data });
  const connection = {
    subscribe: (subject: string, opts: { callback: Callback }) => {
      subscriptions.set(subject, opts.callback);
      return { unsubscribe: () => subscriptions.delete(subject) };
    },
    publish: (_subject: string, data: Uint8Array, opts: { reply?: string } = {}) => {
      if (!opts.reply) return;
      const reply = answer(JSON.parse(Buffer.from(data).toString('utf8')) as Parameters<Answer>[0]);
      if (reply !== undefined) setImmediate(() => deliver(opts.reply!, typeof reply === 'string' ? Buffer.from(reply) : reply));
    },
    isClosed: () => false,
    flush: async () => undefined,
    drain: async () => undefined,
    close: async () => undefined,
  };
  return { connection, deliver };
}

async function clientWith(answer: Answer) {
  const rpc = new RpcClient({ servers: 'nats://127.0.0.1:1', service: 'revocation', timeoutMs: 300 });
  const { connection, deliver } = fakeConnection(answer);
  const transport = (rpc as unknown as { client: ClientNats }).client as unknown as { natsClient: unknown; connectionPromise: unknown };
  transport.natsClient = connection;
  transport.connectionPromise = Promise.resolve(connection);
  await rpc.onModuleInit();
  return { rpc, deliver };
}

const issuer = issuerReply('iss-1', '2026-06-01T00:00:00.000Z');
const envelope = (id: string, body: Record<string, unknown>) => JSON.stringify({ id, ...body });

describe('RpcClient replies', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(getLogger(), 'error').mockImplementation(() => undefined);
  });
  afterEach(() => errors.mockRestore());

  it('ok/a reply envelope whose response fits the contract is the typed response', async () => {
    const { rpc } = await clientWith((packet) => envelope(packet.id, { response: issuer, isDisposed: true }));
    expect(await rpc.request(Rpc.issuance.issuerGet, { id: 'iss-1' })).toEqual(issuer);
    expect(errors).not.toHaveBeenCalled();
  });

  it("fail/the handler's well-formed error becomes its AppError (code, detail, retryable), nothing logged", async () => {
    const wire = new AppError('not_found', 'issuer "iss-9" does not exist.').toWire();
    const { rpc } = await clientWith((packet) => envelope(packet.id, { err: wire, isDisposed: true }));
    const err = (await rpc.request(Rpc.issuance.issuerGet, { id: 'iss-9' }).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err).not.toBeInstanceOf(RpcMalformedReplyError);
    expect(err).toMatchObject({ code: 'not_found', message: 'issuer "iss-9" does not exist.', retryable: false });
    expect(errors).not.toHaveBeenCalled();
  });

  it('fail/a reply that is not JSON is an RpcMalformedReplyError at once (not a timeout), logged once with the subject', async () => {
    const { rpc } = await clientWith(() => 'hello, not json');
    const started = Date.now();
    const err = await rpc.request(Rpc.issuance.issuerGet, { id: 'iss-1' }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(300);
    expect(err).toBeInstanceOf(RpcMalformedReplyError);
    expect(err).toMatchObject({ code: 'internal', subject: Rpc.issuance.issuerGet.subject, reason: 'not_json', retryable: false });
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]![0]).toMatchObject({ subject: Rpc.issuance.issuerGet.subject, reason: 'not_json' });
  });

  it('fail/JSON that is not a reply envelope is an RpcMalformedReplyError (not_envelope), not taken as the response', async () => {
    const { rpc } = await clientWith(() => JSON.stringify(issuer));
    const err = await rpc.request(Rpc.issuance.issuerGet, { id: 'iss-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcMalformedReplyError);
    expect(err).toMatchObject({ reason: 'not_envelope', subject: Rpc.issuance.issuerGet.subject });
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it('fail/a response that fails the contract is an RpcContractViolationError with the issues, logged once with the subject', async () => {
    const { rpc } = await clientWith((packet) => envelope(packet.id, { response: { id: 'iss-1' }, isDisposed: true }));
    const err = await rpc.request(Rpc.issuance.issuerGet, { id: 'iss-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcContractViolationError);
    expect(err).toMatchObject({
      code: 'internal',
      message: 'a service answered with a malformed reply',
      subject: Rpc.issuance.issuerGet.subject,
    });
    expect((err as RpcContractViolationError).issues.length).toBeGreaterThan(0);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]![0]).toMatchObject({ subject: Rpc.issuance.issuerGet.subject });
  });

  it('edge/checkReply: false passes a reply on as it came (the handler checked it), and still checks the request', async () => {
    const { rpc } = await clientWith((packet) => envelope(packet.id, { response: { id: 'iss-1', extra: 1 }, isDisposed: true }));
    await expect(rpc.request(Rpc.issuance.issuerGet, { id: 'iss-1' }, { checkReply: false })).resolves.toEqual({ id: 'iss-1', extra: 1 });
    expect(errors).not.toHaveBeenCalled();
    await expect(rpc.request(Rpc.issuance.issuerGet, { id: '' }, { checkReply: false })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    // A handler's error is still its AppError.
    const wire = new AppError('not_found', 'issuer "iss-2" does not exist.').toWire();
    const failing = await clientWith((packet) => envelope(packet.id, { err: wire, isDisposed: true }));
    await expect(failing.rpc.request(Rpc.issuance.issuerGet, { id: 'iss-2' }, { checkReply: false })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('fail/no reply at all is still service_unavailable after the timeout', async () => {
    const { rpc } = await clientWith(() => undefined);
    await expect(rpc.request(Rpc.issuance.issuerGet, { id: 'iss-1' })).rejects.toMatchObject({
      code: 'service_unavailable',
      retryable: true,
    });
  });
});

describe('RpcClient.onEvent', () => {
  const failed = { job_id: 'job-1', certificate_id: 'crt-1', error: 'boom' };
  const message = (data: unknown) => Buffer.from(JSON.stringify({ pattern: Events.jobFailed.subject, data }));

  it('ok/messages that are not JSON or not the payload are skipped silently; valid payloads reach the handler', async () => {
    const { rpc, deliver } = await clientWith(() => undefined);
    const errors = jest.spyOn(getLogger(), 'error').mockImplementation(() => undefined);
    const seen: unknown[] = [];
    rpc.onEvent(Events.jobFailed, (payload) => seen.push(payload));
    deliver(Events.jobFailed.subject, Buffer.from('not json'));
    deliver(Events.jobFailed.subject, Buffer.from('null'));
    deliver(Events.jobFailed.subject, message({ job_id: 1 }));
    deliver(Events.jobFailed.subject, message(failed));
    expect(seen).toEqual([failed]);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  it('fail/a handler that throws is logged with the subject, not mistaken for a foreign message', async () => {
    const { rpc, deliver } = await clientWith(() => undefined);
    const errors = jest.spyOn(getLogger(), 'error').mockImplementation(() => undefined);
    rpc.onEvent(Events.jobFailed, () => {
      throw new Error('handler bug');
    });
    deliver(Events.jobFailed.subject, message(failed));
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]![0]).toMatchObject({ subject: Events.jobFailed.subject });
    errors.mockRestore();
  });
});
