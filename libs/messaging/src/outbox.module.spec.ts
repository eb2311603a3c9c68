import { Events } from '@certctl/contracts';
import type { PrismaService } from '@certctl/database';
import { Outbox } from './outbox.module';
import type { MessagingOptions, RpcClient } from './rpc-client';

function setup() {
  const prisma = { $transaction: jest.fn(async () => 0), $queryRaw: jest.fn(async () => [{ n: 0 }]) };
  const rpc = { publishStored: jest.fn(async () => ({ duplicate: false })) };
  const outbox = new Outbox(prisma as unknown as PrismaService, rpc as unknown as RpcClient, { service: 'inventory' } as MessagingOptions);
  const tx = () => ({ outboxEvent: { create: jest.fn(async () => undefined) } });
  const issued = { certificate_id: 'cert-1', job_id: 'job-1', serial_number: '0a', not_after: '2027-01-01T00:00:00.000Z' };
  return { outbox, rpc, prisma, tx, issued };
}

describe('Outbox.wake with the committed transaction', () => {
  it('ok/publishes the events that transaction wrote at once, under their row ids, and wakes the relay', async () => {
    const { outbox, rpc, prisma, tx, issued } = setup();
    outbox.onApplicationBootstrap();
    await new Promise((resolve) => setImmediate(resolve)); // the start's scan is over: the relay is idle
    const committed = tx();
    const id = await outbox.enqueue(committed, Events.certificateIssued, issued);
    const claimsBefore = prisma.$transaction.mock.calls.length;
    outbox.wake(committed);
    expect(rpc.publishStored).toHaveBeenCalledWith(Events.certificateIssued.subject, id, issued, expect.any(Object));
    await new Promise((resolve) => setImmediate(resolve));
    expect(prisma.$transaction.mock.calls.length).toBeGreaterThan(claimsBefore); // the relay claims (and confirms) them too
    outbox.wake(committed); // once only
    expect(rpc.publishStored).toHaveBeenCalledTimes(1);
    await outbox.beforeApplicationShutdown();
  });

  it('ok/events of another transaction (not committed, or woken without it) are left to the relay', async () => {
    const { outbox, rpc, tx, issued } = setup();
    outbox.onApplicationBootstrap();
    await outbox.enqueue(tx(), Events.certificateIssued, issued);
    const other = tx();
    outbox.wake(other);
    outbox.wake();
    expect(rpc.publishStored).not.toHaveBeenCalled();
    await outbox.beforeApplicationShutdown();
  });
});
