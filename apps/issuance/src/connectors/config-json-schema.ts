import { z } from 'zod';
import type { Connector } from './connector';

/** What GET /api/v1/issuer-types answers for one connector. */
export interface IssuerTypeSchema {
  type: string;
  config_schema: Record<string, unknown>;
  secret_fields: string[];
}

/**
 * The JSON Schema of each connector issuer type's config, from the connector's own zod schema (the
 * one that validates it): what a caller may send, defaults included (`io: 'input'`), checks that
 * JSON Schema cannot state (paths inside CERTCTL_SCRIPT_CONNECTOR_DIRS, …) left to the 422. Secret
 * fields are marked `writeOnly`. The local CA is not a connector type here: it has no `config`.
 */
export function issuerTypeSchemas(connectors: readonly Connector[]): IssuerTypeSchema[] {
  return connectors
    .filter((connector) => connector.type !== 'local')
    .map((connector) => {
      const schema = z.toJSONSchema(connector.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      delete schema.$schema;
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const field of connector.secretFields) if (properties[field]) properties[field] = { ...properties[field], writeOnly: true };
      return { type: connector.type, config_schema: schema, secret_fields: [...connector.secretFields] };
    });
}
