import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  AppError,
  type IssuerDto,
  type IssuerRpc,
  type RpcRequestParsed,
  type RpcResponse,
  type createConnectorIssuerBodySchema,
} from '@certctl/contracts';
import { type Prisma, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { IssuerRepository, issuerTypeEnum } from '../issuers/issuer.repository';
import { IssuerService } from '../issuers/issuer.service';
import { capabilitiesOf } from './connector';
import { ConnectorRegistry } from './connector-registry';

/** Issuers run by a connector other than the local CA, and the health check of any issuer. */
@Injectable()
export class ConnectorIssuerService {
  constructor(
    private readonly repository: IssuerRepository,
    private readonly registry: ConnectorRegistry,
    private readonly issuers: IssuerService,
  ) {}

  /** Validates the config with the connector's schema (422 naming config.<field>), stores it encrypted and answers it masked. */
  async create({
    actor,
    body,
  }: {
    actor: { principal: string };
    body: z.output<typeof createConnectorIssuerBodySchema>;
  }): Promise<IssuerDto> {
    const { connector, config } = this.registry.parseConfig(body.type, body.config);
    const id = body.id ?? newId('iss');
    await this.repository.insert({
      id,
      name: body.name,
      type: issuerTypeEnum(connector.type),
      config: this.registry.masked(connector, config) as Prisma.InputJsonValue,
      encryptedConfig: Buffer.from(this.registry.seal(id, config)),
    });
    getLogger().info({ issuer_id: id, type: connector.type, actor: actor.principal }, 'connector issuer created');
    return this.issuers.get(id);
  }

  /** The connector's health check; a broken CA answers ok=false (only an unknown issuer is an error: 404). */
  async test({ actor, id }: RpcRequestParsed<typeof IssuerRpc.test>): Promise<RpcResponse<typeof IssuerRpc.test>> {
    const started = process.hrtime.bigint();
    const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    let capabilities: RpcResponse<typeof IssuerRpc.test>['capabilities'] = [];
    let result: { ok: boolean; detail: string };
    try {
      const { connector, issuer, enabled } = await this.registry.resolve(id);
      capabilities = capabilitiesOf(connector);
      result = enabled ? await connector.healthCheck(issuer) : { ok: false, detail: `issuer ${id} is retired` };
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') throw err;
      result = { ok: false, detail: (err as Error).message };
    }
    getLogger().info({ issuer_id: id, ok: result.ok, detail: result.detail, actor: actor.principal }, 'issuer tested');
    return { ...result, duration_ms: elapsed(), capabilities };
  }

  /** Forwards a revocation to the issuer's connector before the platform records it. */
  async revoke(req: RpcRequestParsed<typeof IssuerRpc.revoke>): Promise<RpcResponse<typeof IssuerRpc.revoke>> {
    const { connector, issuer } = await this.registry.resolve(req.issuer_id);
    await connector.revoke(issuer, { serialNumber: req.serial_number, reason: req.reason });
    return { issuer_type: connector.type };
  }
}
