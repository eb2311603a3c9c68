import { registry } from '@certctl/observability';
import '@certctl/messaging';
import './index';

const names = async () => (await registry.getMetricsAsJSON()).map((m) => m.name);

describe('metrics of a service without queues (what the gateway loads)', () => {
  it('ok/lists the platform metrics', async () => {
    expect(await names()).toEqual(
      expect.arrayContaining(['certctl_http_request_duration_seconds', 'certctl_nats_request_duration_seconds', 'certctl_ready']),
    );
  });

  it('fail/lists no certctl_queue_* metric', async () => {
    expect((await names()).filter((n) => n.startsWith('certctl_queue_'))).toEqual([]);
    expect(await registry.metrics()).not.toContain('certctl_queue_');
  });
});
