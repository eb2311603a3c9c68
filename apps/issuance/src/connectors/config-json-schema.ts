import type { Connector } from './connector';
import { configJsonSchema } from '@certctl/contracts';

/** What GET /api/v1/issuer-types answers for one connector. */
export interface IssuerTypeSchema {
  type: string;
  config_schema: Record<string, unknown>;
  secret_fields: string[];
}

/**
 * The JSON Schema of each connector issuer type's config, from the connector's own zod schema (the
 * one that validates it; `configJsonSchema` from @certctl/contracts, shared with the target types).
 * Checks that JSON Schema cannot state (paths inside CERTCTL_SCRIPT_CONNECTOR_DIRS, …) are left to
 * the 422. The local CA is not a connector type here: it has no `config`.
 */
export function issuerTypeSchemas(connectors: readonly Connector[]): IssuerTypeSchema[] {
  return connectors
    .filter((connector) => connector.type !== 'local')
    .map((connector) => ({
      type: connector.type,
      config_schema: configJsonSchema(connector.configSchema, connector.secretFields),
      secret_fields: [...connector.secretFields],
    }));
}
