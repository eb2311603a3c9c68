// AgentLiveness: a retired agent answers 410 at once and for good; an active one is asked once per cache window.
import type { EventContract } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { GatewayConfig } from '../config';
import { AgentLiveness } from './agent-liveness';

function setup(status: () => string) {
  const request = jest.fn(async () => ({ id: 'agent-a', status: status() }));
  const liveness = new AgentLiveness({ request } as unknown as RpcClient, { CERTCTL_API_KEY_CACHE_MS: 60000 } as GatewayConfig);
  return { liveness, request };
}

describe('AgentLiveness', () => {
  it('an active agent passes and is asked once per window', async () => {
    const { liveness, request } = setup(() => 'online');
    await liveness.assertNotRetired('agent-a');
    await liveness.assertNotRetired('agent-a');
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('a retired agent is agent_retired (410), remembered without asking again', async () => {
    const { liveness, request } = setup(() => 'retired');
    for (let i = 0; i < 2; i++) {
      await expect(liveness.assertNotRetired('agent-a')).rejects.toMatchObject({ code: 'agent_retired', status: 410 });
    }
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('an agent this replica just registered passes without asking; a retire still counts at once', async () => {
    const { liveness, request } = setup(() => 'online');
    liveness.markActive('agent-a');
    await liveness.assertNotRetired('agent-a');
    expect(request).not.toHaveBeenCalled();
    liveness.markRetired('agent-a');
    liveness.markActive('agent-a'); // a late registration answer cannot bring it back
    await expect(liveness.assertNotRetired('agent-a')).rejects.toMatchObject({ code: 'agent_retired' });
  });

  it('a retire through this replica counts at once, even inside the window', async () => {
    const { liveness } = setup(() => 'online');
    await liveness.assertNotRetired('agent-a');
    liveness.markRetired('agent-a');
    await expect(liveness.assertNotRetired('agent-a')).rejects.toMatchObject({ code: 'agent_retired' });
  });

  it('a retire through one replica counts at once on another that had the agent cached as active (bus, no TTL wait)', async () => {
    const handlers: ((payload: unknown) => void)[] = [];
    const bus = {
      request: jest.fn(async () => ({ id: 'agent-a', status: 'online' })),
      onEvent: (_event: EventContract, handler: (payload: unknown) => void) => (handlers.push(handler), () => undefined),
      broadcast: jest.fn(async (_event: EventContract, payload: unknown) => handlers.forEach((h) => h(payload))),
      onReconnect: () => undefined,
    };
    const config = { CERTCTL_API_KEY_CACHE_MS: 300000 } as GatewayConfig;
    const [a, b] = [0, 1].map(() => new AgentLiveness(bus as unknown as RpcClient, config));
    a.onApplicationBootstrap();
    b.onApplicationBootstrap();
    await b.assertNotRetired('agent-a');
    await a.retiredHere('agent-a');
    expect(bus.broadcast).toHaveBeenCalledWith(expect.objectContaining({ subject: 'certctl.v1.events.agent.retired' }), {
      agent_id: 'agent-a',
    });
    await expect(b.assertNotRetired('agent-a')).rejects.toMatchObject({ code: 'agent_retired', status: 410 });
    expect(bus.request).toHaveBeenCalledTimes(1);
  });
});
