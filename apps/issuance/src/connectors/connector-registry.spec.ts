import { AppError } from '@certctl/contracts';
import { SecretBox } from '@certctl/pki';
import { ConnectorError, capabilitiesOf } from './connector';
import { ConnectorRegistry, MASKED } from './connector-registry';
import { LocalConnector } from './local.connector';
import { ScriptConnector } from './script.connector';

const box = SecretBox.fromSecret('a-test-secret-of-at-least-32-characters!!');

function setup(row?: Record<string, unknown>) {
  const repository = { findConnectorConfig: jest.fn(async () => row ?? null) };
  const local = new LocalConnector({} as never, {} as never);
  const script = new ScriptConnector({ CERTCTL_SCRIPT_CONNECTOR_DIRS: ['/opt/ca'] });
  const registry = new ConnectorRegistry([local, script], repository as never, { box } as never);
  return { registry, local, script, repository };
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an error');
}

const scriptConfig = { executable: '/opt/ca/sign.sh', args: ['--profile', 'web'], env: { CA_TOKEN: 'top-secret', CA_URL: 'https://ca' } };

describe('ConnectorRegistry', () => {
  it('ok/connectors by type; two of one type refuse to start', () => {
    const { registry, local, script } = setup();
    expect(registry.types).toEqual(['local', 'script']);
    expect(registry.get('script')).toBe(script);
    expect(() => new ConnectorRegistry([local, local], {} as never, { box } as never)).toThrow('two connectors of type local');
  });

  it('fail/an unregistered type is a terminal issuer failure at run time and a 422 on type at creation', () => {
    const { registry } = setup();
    expect(thrown(() => registry.get('acme'))).toMatchObject({ code: 'issuer_failure', retryable: false });
    const err = thrown(() => registry.parseConfig('acme', {}));
    expect(err).toMatchObject({ code: 'validation_failed', status: 422 });
    expect(err.fields).toEqual([{ field: 'type', message: 'no connector of type acme is available (available: local, script)' }]);
  });

  it("fail/a script config is validated by the connector's schema: 422 naming each config field", () => {
    const { registry } = setup();
    const err = thrown(() =>
      registry.parseConfig('script', {
        executable: 'sign.sh',
        args: [1],
        timeout_ms: 5,
        env: { path: 'x', CERTCTL_X: 'y', LD_AUDIT: 'z', CA_TOKEN: 'a\0b' },
        shell: true,
      }),
    );
    expect(err.status).toBe(422);
    expect(err.fields?.map((f) => f.field).sort()).toEqual(
      [
        'config.args.0',
        'config.env.CA_TOKEN',
        'config.env.CERTCTL_X',
        'config.env.LD_AUDIT',
        'config.env.path',
        'config.executable',
        'config.shell',
        'config.timeout_ms',
      ].sort(),
    );
    expect(err.fields?.find((f) => f.field === 'config.executable')?.message).toBe('must be an absolute path');
    expect(thrown(() => registry.parseConfig('script', {})).fields).toEqual([{ field: 'config.executable', message: expect.any(String) }]);
    expect(thrown(() => registry.parseConfig('script', { executable: '/opt/ca/../../bin/sh' })).fields?.[0]?.message).toContain(
      'normalized',
    );
  });

  it('fail/a script executable outside CERTCTL_SCRIPT_CONNECTOR_DIRS is refused; with no directory listed, script issuers are disabled', () => {
    const { registry } = setup();
    expect(thrown(() => registry.parseConfig('script', { executable: '/opt/cab/sign.sh' })).fields).toEqual([
      { field: 'config.executable', message: 'must be inside one of the directories of CERTCTL_SCRIPT_CONNECTOR_DIRS (/opt/ca)' },
    ]);
    const none = new ConnectorRegistry([new ScriptConnector({ CERTCTL_SCRIPT_CONNECTOR_DIRS: [] })], {} as never, { box } as never);
    expect(thrown(() => none.parseConfig('script', scriptConfig)).fields).toEqual([
      { field: 'config.executable', message: 'script issuers are disabled: CERTCTL_SCRIPT_CONNECTOR_DIRS names no directory' },
    ]);
  });

  it('ok/a valid config gets its defaults; secrets are masked (keys stay visible), the rest shown as is', () => {
    const { registry, script } = setup();
    const { config } = registry.parseConfig('script', scriptConfig);
    expect(config).toEqual({ ...scriptConfig, timeout_ms: 30000, max_output_bytes: 1048576, dry_run_on_test: false });
    expect(registry.masked(script, config)).toEqual({
      ...(config as object),
      env: { CA_TOKEN: MASKED, CA_URL: MASKED },
    });
    expect(JSON.stringify(registry.masked(script, config))).not.toContain('top-secret');
  });

  it('ok/the sealed config is encrypted, bound to its issuer, and resolves back to the validated config', async () => {
    const { registry, script } = setup();
    const { config } = registry.parseConfig('script', scriptConfig);
    const sealed = registry.seal('iss-s', config);
    expect(sealed.toString('utf8')).not.toContain('top-secret');
    const row = { id: 'iss-s', name: 'S', type: 'script', enabled: true, config: registry.masked(script, config), encryptedConfig: sealed };
    const resolved = await setup(row).registry.resolve('iss-s');
    expect(resolved.connector).toBeInstanceOf(ScriptConnector);
    expect(resolved.issuer).toEqual({ id: 'iss-s', name: 'S', type: 'script', config });
    // The same blob under another issuer's id does not decrypt: a terminal failure.
    const moved = setup({ ...row, id: 'iss-other' });
    await expect(moved.registry.resolve('iss-other')).rejects.toMatchObject({ code: 'issuer_failure', retryable: false });
  });

  it('fail/an unknown issuer is not_found; a local issuer resolves from its plain config', async () => {
    await expect(setup().registry.resolve('nope')).rejects.toMatchObject({ code: 'not_found', retryable: false });
    const local = await setup({
      id: 'iss-local',
      name: 'Local CA',
      type: 'local',
      enabled: true,
      config: { key_algorithm: 'ECDSA-P256', validity_days: 3650 },
      encryptedConfig: null,
    }).registry.resolve('iss-local');
    expect(local.connector).toBeInstanceOf(LocalConnector);
    expect(local.issuer.config).toEqual({ key_algorithm: 'ECDSA-P256', validity_days: 3650 });
  });

  it('ok/optional capabilities are detected from the connector', () => {
    const { local, script } = setup();
    expect(capabilitiesOf(local)).toEqual(['ca_chain', 'crl_signing']);
    expect(capabilitiesOf(script)).toEqual([]);
  });
});

describe('ConnectorError', () => {
  it('ok/is an issuer_failure AppError that always says whether it is retryable', () => {
    expect(ConnectorError.retryable('busy')).toMatchObject({ code: 'issuer_failure', retryable: true, status: 502, message: 'busy' });
    const terminal = ConnectorError.terminal('refused', new Error('cause'));
    expect(terminal).toBeInstanceOf(AppError);
    expect(terminal).toMatchObject({ code: 'issuer_failure', retryable: false });
    expect((terminal.cause as Error).message).toBe('cause');
  });
});
