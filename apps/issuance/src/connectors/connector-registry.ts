import { Inject, Injectable } from '@nestjs/common';
import { AppError, configFieldErrors, fieldErrorsFromZod } from '@certctl/contracts';
import type { SecretBox } from '@certctl/pki';
import { IssuerRepository } from '../issuers/issuer.repository';
import { IssuerService } from '../issuers/issuer.service';
import { type Connector, type ConnectorType, ConnectorError, type IssuerContext } from './connector';
import { type IssuerTypeSchema, issuerTypeSchemas } from './config-json-schema';

/** The connectors this service runs (connectors/index.ts lists them). */
export const CONNECTORS = Symbol('CONNECTORS');
/** What a secret config value looks like in every API answer. */
export const MASKED = '********';

export interface ResolvedIssuer {
  connector: Connector;
  issuer: IssuerContext;
  enabled: boolean;
}

/**
 * Connectors by type, and each issuer's connector config: validated by the connector's own
 * schema, stored AES-256-GCM encrypted (`issuers.encrypted_config`, the issuer id bound as
 * associated data), and shown only masked (`issuers.config`).
 */
@Injectable()
export class ConnectorRegistry {
  private readonly byType = new Map<string, Connector>();

  constructor(
    @Inject(CONNECTORS) connectors: readonly Connector[],
    private readonly repository: IssuerRepository,
    private readonly issuers: IssuerService,
  ) {
    for (const c of connectors) {
      if (this.byType.has(c.type)) throw new Error(`two connectors of type ${c.type}`);
      this.byType.set(c.type, c);
    }
  }

  get types(): ConnectorType[] {
    return [...this.byType.keys()] as ConnectorType[];
  }

  /** Each connector issuer type with the JSON Schema of its config (GET /api/v1/issuer-types). */
  typeSchemas(): IssuerTypeSchema[] {
    return issuerTypeSchemas([...this.byType.values()]);
  }

  /** The connector of a type; a terminal issuer failure when none is registered. */
  get(type: string): Connector {
    const c = this.byType.get(type);
    if (!c) throw ConnectorError.terminal(`no connector of type ${type} is available`);
    return c;
  }

  /** A new issuer's config checked by its connector: 422 naming each bad `config.<field>` (or `type`). */
  parseConfig(type: string, raw: unknown): { connector: Connector; config: unknown } {
    const connector = this.byType.get(type);
    if (!connector) {
      throw AppError.validation([
        { field: 'type', message: `no connector of type ${type} is available (available: ${this.types.join(', ')})` },
      ]);
    }
    const parsed = connector.configSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      throw AppError.validation(configFieldErrors(parsed.error), 'The issuer config is invalid.');
    }
    return { connector, config: parsed.data };
  }

  /** The config as stored: encrypted, bound to the issuer id. */
  seal(issuerId: string, config: unknown): Buffer {
    return this.box.encrypt(JSON.stringify(config), configAad(issuerId));
  }

  /** The config as answered by the API: every secret field's value replaced (keys of a secret map stay visible). */
  masked(connector: Connector, config: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
    for (const field of connector.secretFields) {
      const v = out[field];
      if (v === undefined || v === null) continue;
      out[field] = typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).map((k) => [k, MASKED])) : MASKED;
    }
    return out;
  }

  /** An issuer's connector and its decrypted, validated config. */
  async resolve(issuerId: string): Promise<ResolvedIssuer> {
    const row = await this.repository.findConnectorConfig(issuerId);
    if (!row) throw AppError.notFound('issuer', issuerId);
    const connector = this.get(row.type);
    let raw: unknown = row.config;
    if (row.encryptedConfig) {
      try {
        raw = JSON.parse(this.box.decryptString(Buffer.from(row.encryptedConfig), configAad(row.id)));
      } catch (err) {
        throw ConnectorError.terminal(`issuer ${row.id}: its stored config cannot be decrypted (${(err as Error).message})`, err);
      }
    }
    const parsed = connector.configSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      const fields = fieldErrorsFromZod(parsed.error).map((f) => `${f.field}: ${f.message}`);
      throw ConnectorError.terminal(`issuer ${row.id}: its stored config is invalid (${fields.join('; ')})`);
    }
    return { connector, enabled: row.enabled, issuer: { id: row.id, name: row.name, type: connector.type, config: parsed.data } };
  }

  private get box(): SecretBox {
    return this.issuers.box;
  }
}

function configAad(issuerId: string): string {
  return `issuer-config:${issuerId}`;
}
