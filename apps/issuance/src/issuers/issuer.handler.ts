import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IssuanceIssuer, IssuerRpc, Rpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { ConnectorIssuerService, ConnectorRegistry } from '../connectors';
import { IssuerHierarchyService } from './issuer-hierarchy.service';
import { IssuerService } from './issuer.service';

@Controller()
export class IssuerHandler {
  constructor(
    private readonly issuers: IssuerService,
    private readonly hierarchy: IssuerHierarchyService,
    private readonly connectorIssuers: ConnectorIssuerService,
    private readonly connectors: ConnectorRegistry,
  ) {}

  @RpcHandler(Rpc.issuance.issuerGet)
  get(@Payload() req: RpcRequestParsed<typeof Rpc.issuance.issuerGet>) {
    return this.issuers.get(req.id);
  }

  @RpcHandler(Rpc.issuance.issuerList)
  list() {
    return this.issuers.list();
  }

  @RpcHandler(IssuerRpc.create)
  create(@Payload() { actor, body }: RpcRequestParsed<typeof IssuerRpc.create>) {
    return body.type === 'local' ? this.hierarchy.create({ actor, body }) : this.connectorIssuers.create({ actor, body });
  }

  @RpcHandler(IssuerRpc.hierarchy)
  tree(@Payload() req: RpcRequestParsed<typeof IssuerRpc.hierarchy>) {
    return this.hierarchy.hierarchy(req.id);
  }

  @RpcHandler(IssuerRpc.retire)
  retire(@Payload() req: RpcRequestParsed<typeof IssuerRpc.retire>) {
    return this.hierarchy.retire(req);
  }

  @RpcHandler(IssuerRpc.test)
  test(@Payload() req: RpcRequestParsed<typeof IssuerRpc.test>) {
    return this.connectorIssuers.test(req);
  }

  @RpcHandler(IssuanceIssuer.types)
  types() {
    return { data: this.connectors.typeSchemas() };
  }

  @RpcHandler(IssuerRpc.revoke)
  revoke(@Payload() req: RpcRequestParsed<typeof IssuerRpc.revoke>) {
    return this.connectorIssuers.revoke(req);
  }
}
