import { Controller, type Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { type ConfigEntity, ConfigRpc } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { ConfigResourceService } from './config-resource.service';

type Req = { actor: { principal: string; role: string }; id: string; body: Record<string, unknown> } & { limit: number; cursor?: string };

/** One NATS handler class per configuration resource, answering its five subjects. */
function handlerFor(entity: ConfigEntity): Type<unknown> {
  const c = ConfigRpc[entity];
  @Controller()
  class ConfigHandler {
    constructor(readonly svc: ConfigResourceService) {}

    @RpcHandler(c.create)
    create(@Payload() r: Req) {
      return this.svc.create(entity, r.actor, r.body);
    }

    @RpcHandler(c.get)
    get(@Payload() r: Req) {
      return this.svc.get(entity, r.id);
    }

    @RpcHandler(c.list)
    list(@Payload() r: Req) {
      return this.svc.list(entity, r);
    }

    @RpcHandler(c.update)
    update(@Payload() r: Req) {
      return this.svc.update(entity, r.actor, r.id, r.body);
    }

    @RpcHandler(c.delete)
    remove(@Payload() r: Req) {
      return this.svc.delete(entity, r.actor, r.id);
    }
  }
  Object.defineProperty(ConfigHandler, 'name', { value: `${entity}ConfigHandler` });
  return ConfigHandler;
}

export const CONFIG_HANDLERS = (Object.keys(ConfigRpc) as ConfigEntity[]).map(handlerFor);
