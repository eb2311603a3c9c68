import { NATS_CONNECT_TIMEOUT_MS, natsConnectionOptions } from './bus-options';

describe('NATS connection options', () => {
  it('ok/a silent server is noticed within about a minute: pings every 20 s, stale after 3 unanswered', () => {
    const o = natsConnectionOptions({});
    expect(o).toMatchObject({ timeout: NATS_CONNECT_TIMEOUT_MS, pingInterval: 20000, maxPingOut: 3 });
    // Dropped and dialled again after (maxPingOut + 1) intervals at the latest.
    expect(o.pingInterval * (o.maxPingOut + 1)).toBeLessThanOrEqual(80000);
  });

  it('ok/credentials and the CA file go with the timeouts', () => {
    expect(natsConnectionOptions({ user: 'inventory', password: 'pw', tlsCaFile: '/ca.pem' })).toMatchObject({
      user: 'inventory',
      pass: 'pw',
      tls: { caFile: '/ca.pem' },
      pingInterval: 20000,
    });
  });
});
