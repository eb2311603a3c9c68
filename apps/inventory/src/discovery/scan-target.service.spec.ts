import type { InventoryConfig } from '../config';
import type { DiscoveryService } from './discovery.service';
import type { ScanTargetRepository, ScanTargetRow } from './scan-target.repository';
import { ScanTargetService } from './scan-target.service';

const actor = { principal: 'admin', role: 'admin' };
const body = {
  name: 'lab',
  cidrs: ['127.0.0.1/32'],
  ports: [443],
  interval_seconds: 3600,
  timeout_ms: 1000,
  concurrency: 4,
  enabled: true,
};

function setup(allowList: string, existing?: Partial<ScanTargetRow>) {
  const writes: unknown[] = [];
  const row = (data: object) => ({
    id: 'nst-1',
    lastRunAt: null,
    nextRunAt: new Date(),
    lastResult: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...body,
    intervalSeconds: 3600,
    timeoutMs: 1000,
    ...existing,
    ...data,
  });
  const repo = {
    insert: async (data: object) => (writes.push(data), row(data)),
    update: async (_id: string, data: object) => (writes.push(data), row(data)),
    findById: async () => (existing ? row({}) : null),
  };
  const config = { CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS: allowList } as InventoryConfig;
  return { writes, service: new ScanTargetService(repo as unknown as ScanTargetRepository, {} as DiscoveryService, config) };
}

describe('network scan targets', () => {
  it('rejects/creating any target while the allow-list is empty, naming the variable (422, nothing written)', async () => {
    const { service, writes } = setup('');
    await expect(service.create(actor, body)).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS'),
      fields: [{ field: 'cidrs[0]', message: expect.stringContaining('scanning is off') }],
    });
    expect(writes).toEqual([]);
  });

  it('rejects/ranges outside the allow-list or over /20; ok/inside it', async () => {
    const { service } = setup('127.0.0.0/8,10.0.0.0/8');
    await expect(service.create(actor, { ...body, cidrs: ['127.0.0.1/32', '192.168.0.0/24', '10.0.0.0/19'] })).rejects.toMatchObject({
      fields: [
        { field: 'cidrs[1]', message: expect.stringContaining('not inside') },
        { field: 'cidrs[2]', message: expect.stringContaining('larger than /20') },
      ],
    });
    expect(await service.create(actor, body)).toMatchObject({ name: 'lab', cidrs: ['127.0.0.1/32'] });
  });

  it('rejects/running a target whose range the allow-list no longer covers (checked at run time too)', async () => {
    const { service, writes } = setup('10.0.0.0/8', { cidrs: ['127.0.0.1/32'] });
    await expect(service.run(actor, 'nst-1')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(writes).toEqual([]);
  });
});
