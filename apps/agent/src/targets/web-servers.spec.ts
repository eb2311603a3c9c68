import { targetTypeSchema } from '@certctl/contracts';
import { webServerConnectors } from './web-servers';

describe('webServerConnectors', () => {
  it('gives one connector per web server target type the server knows', () => {
    const types = webServerConnectors.map((connector) => connector.type);
    expect(types).toEqual(['nginx', 'apache', 'haproxy', 'caddy']);
    for (const type of types) expect(targetTypeSchema.safeParse(type).success).toBe(true);
  });
});
