// AgentLiveness: a retired agent answers 410 at once and for good; an active one is asked once per cache window.
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

  it('a retire through this replica counts at once, even inside the window', async () => {
    const { liveness } = setup(() => 'online');
    await liveness.assertNotRetired('agent-a');
    liveness.markRetired('agent-a');
    await expect(liveness.assertNotRetired('agent-a')).rejects.toMatchObject({ code: 'agent_retired' });
  });
});
