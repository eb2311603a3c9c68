import { z } from 'zod';
import type { Connector } from './connector';
import { issuerTypeSchemas } from './config-json-schema';
import { ScriptConnector } from './script.connector';

/** A connector reduced to what the schema export reads. */
const stub = (type: string, configSchema: z.ZodType, secretFields: string[]) =>
  ({ type, configSchema, secretFields }) as unknown as Connector;

describe('issuerTypeSchemas (GET /api/v1/issuer-types)', () => {
  it('answers the script connector’s own config schema as JSON Schema: required fields, defaults, the secret env writeOnly', () => {
    const [script] = issuerTypeSchemas([new ScriptConnector({ CERTCTL_SCRIPT_CONNECTOR_DIRS: ['/opt/ca'] })]);
    expect(script.type).toBe('script');
    expect(script.secret_fields).toEqual(['env']);
    const schema = script.config_schema as { type: string; required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['executable']);
    expect(schema.properties.executable).toMatchObject({ type: 'string', minLength: 2 });
    expect(schema.properties.args).toMatchObject({ type: 'array', default: [] });
    expect(schema.properties.timeout_ms).toMatchObject({ type: 'integer', default: 30000, maximum: 120000 });
    expect(schema.properties.env).toMatchObject({ type: 'object', writeOnly: true });
    expect(schema).not.toHaveProperty('$schema');
  });

  it('leaves out the local CA (it has no config) and marks every secret field of the others', () => {
    const answered = issuerTypeSchemas([
      stub('local', z.object({}), []),
      stub('stepca', z.object({ url: z.url(), provisioner_password: z.string().optional(), fingerprint: z.string() }), [
        'provisioner_password',
      ]),
    ]);
    expect(answered.map((entry) => entry.type)).toEqual(['stepca']);
    const properties = (answered[0].config_schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(properties.provisioner_password.writeOnly).toBe(true);
    expect(properties.fingerprint.writeOnly).toBeUndefined();
    expect(properties.url).toMatchObject({ type: 'string', format: 'uri' });
  });
});
