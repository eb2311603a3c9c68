import { TARGET_CONFIG_SPECS, targetTypeSchemas } from '@certctl/contracts';
import { isSecretKey } from '@certctl/pki';
import { targetConfigProblems } from './target-config-check';

describe('target config checks', () => {
  it('names each refused field as config.<field>, nested ones by their path', () => {
    expect(
      targetConfigProblems('haproxy', { pem_path: 'x.pem', config_file: '/etc/haproxy/haproxy.cfg', reload: { mode: 'signal' } }),
    ).toEqual([
      { field: 'config.pem_path', message: 'must be an absolute path' },
      { field: 'config.reload.pid_file', message: expect.any(String) },
      { field: 'config.verify', message: expect.any(String) },
    ]);
    expect(targetConfigProblems('directory', { directory: '/srv/tls', color: 'blue' })).toEqual([
      { field: 'config.color', message: 'is not a known field' },
    ]);
    expect(targetConfigProblems('f5', { anything: true })).toEqual([]);
  });

  it("the fields answered writeOnly are exactly the config's secret-named fields, which the API stores sealed and answers masked", () => {
    for (const entry of targetTypeSchemas()) {
      const properties = Object.keys((entry.config_schema.properties ?? {}) as Record<string, unknown>);
      expect({ type: entry.type, secrets: entry.secret_fields }).toEqual({ type: entry.type, secrets: properties.filter(isSecretKey) });
      expect(entry.free_form).toBe(!TARGET_CONFIG_SPECS[entry.type]);
    }
    const keystore = targetTypeSchemas().find((entry) => entry.type === 'keystore');
    expect(keystore?.config_schema).toMatchObject({
      properties: { password_env: { writeOnly: true } },
      required: ['path', 'format', 'password_env'],
    });
  });
});
