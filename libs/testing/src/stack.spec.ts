import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SERVICES, type ServiceName, portAnswers, startStack } from './stack';

describe('starting a stack where a port is taken', () => {
  it('fail/a service port already answering stops the start before any service is spawned, naming the port and its variable', async () => {
    const squatter = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    // Every other service on a port nothing listens on (closed right after it was found free).
    const spare = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => spare.once('listening', resolve));
    const free = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
    const ports = Object.fromEntries(SERVICES.map((s) => [s.name, s.name === 'inventory' ? taken : free])) as Record<ServiceName, number>;
    try {
      expect(await portAnswers(taken)).toBe(true);
      expect(await portAnswers(free)).toBe(false);
      await expect(startStack({ env: {}, ports, logDir: '/nonexistent/never-written', timeoutMs: 1000 })).rejects.toThrow(
        `port ${taken} (inventory, CERTCTL_INVENTORY_PORT) already in use`,
      );
    } finally {
      squatter.close();
    }
  });
});
