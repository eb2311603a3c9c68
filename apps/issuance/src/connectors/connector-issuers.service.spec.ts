import { AppError } from '@certctl/contracts';
import { SecretBox } from '@certctl/pki';
import { fakeIssuerRepository } from '../../test/issuer-fakes';
import type { IssuerRepository } from '../issuers/issuer.repository';
import type { IssuerService } from '../issuers/issuer.service';
import { ConnectorIssuerService } from './connector-issuers.service';
import { ConnectorRegistry, MASKED } from './connector-registry';
import { ScriptConnector } from './script.connector';

const box = SecretBox.fromSecret('a-test-secret-of-at-least-32-characters!!');
const actor = { principal: 'admin', role: 'admin' };
const config = { executable: '/opt/ca/sign.sh', env: { CA_TOKEN: 'top-secret' } };

function setup() {
  const repository = fakeIssuerRepository();
  const findConnectorConfig = jest.fn(async (id: string) => repository.issuers.get(id) ?? null);
  const issuers = { box, get: jest.fn(async (id: string) => ({ id })) } as unknown as IssuerService;
  const asRepository = { ...repository, findConnectorConfig } as unknown as IssuerRepository;
  const registry = new ConnectorRegistry([new ScriptConnector({ CERTCTL_SCRIPT_CONNECTOR_DIRS: ['/opt/ca'] })], asRepository, issuers);
  return { repository, registry, service: new ConnectorIssuerService(asRepository, registry, issuers) };
}

describe('ConnectorIssuerService (over a fake repository)', () => {
  it('ok/a connector issuer is stored with its config masked for answers and sealed for use, bound to its id', async () => {
    const { repository, registry, service } = setup();
    expect(await service.create({ actor, body: { id: 'iss-script', name: 'script', type: 'script', config } as never })).toEqual({
      id: 'iss-script',
    });
    const [row] = repository.insert.mock.calls[0]!;
    expect(row).toMatchObject({ id: 'iss-script', type: 'script', config: { env: { CA_TOKEN: MASKED } } });
    expect(Buffer.from(row.encryptedConfig as Uint8Array).toString('utf8')).not.toContain('top-secret');
    expect((await registry.resolve('iss-script')).issuer.config).toMatchObject(config);
  });

  it('fail/an invalid config is refused on config.<field> and nothing is stored; a taken name is a conflict', async () => {
    const { repository, service } = setup();
    const invalid = await service
      .create({ actor, body: { name: 'bad', type: 'script', config: { executable: 'relative.sh' } } as never })
      .catch((e: unknown) => e as AppError);
    expect(invalid).toMatchObject({ code: 'validation_failed', fields: [{ field: 'config.executable' }] });
    expect(repository.insert).not.toHaveBeenCalled();
    await service.create({ actor, body: { name: 'script', type: 'script', config } as never });
    const duplicate = await service.create({ actor, body: { name: 'script', type: 'script', config } as never }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(AppError);
    expect(duplicate).toMatchObject({ code: 'conflict', fields: [{ field: 'name', message: 'must be unique' }] });
  });

  it('ok/a test of an unknown issuer is a 404; a retired issuer answers ok=false without running the connector', async () => {
    const { repository, service } = setup();
    await expect(service.test({ actor, id: 'iss-none' } as never)).rejects.toMatchObject({ code: 'not_found' });
    await service.create({ actor, body: { id: 'iss-script', name: 'script', type: 'script', config } as never });
    await repository.disable('iss-script');
    expect(await service.test({ actor, id: 'iss-script' } as never)).toMatchObject({ ok: false, detail: 'issuer iss-script is retired' });
  });
});
