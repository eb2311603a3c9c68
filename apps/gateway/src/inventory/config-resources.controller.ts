import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res, type Type } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type ConfigEntity, ConfigRpc, Permission, configListRequestSchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { pageSchema } from '../http/pagination';
import { idParam } from '../http/params';

type Body = Record<string, unknown>;

/** REST for one configuration resource, forwarded to inventory; reads for every role that reads, writes for admins. */
function configController(entity: ConfigEntity, path: string, what: string, className: string): Type<unknown> {
  const c = ConfigRpc[entity];
  const common = { tag: path, resource: entity } as const;
  const read = { ...common, permission: Permission.InventoryRead } as const;
  const write = { ...common, permission: Permission.InventoryWrite } as const;
  // Target settings may carry passwords and tokens: their audit rows keep no hash of the body.
  const secrets = entity === 'target' ? ({ secretBody: true } as const) : {};

  @Controller(`api/v1/${path}`)
  class ConfigResourceController {
    constructor(readonly rpc: RpcClient) {}

    @Post()
    @HttpCode(201)
    @Endpoint({
      ...write,
      summary: `Create a ${what}`,
      action: `${entity}.create`,
      ...secrets,
      body: c.createBody,
      response: c.dto,
      status: 201,
      errors: [409],
    })
    async create(@Body() body: Body, @Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
      const out = (await this.rpc.request(c.create as never, { actor: actorOf(req.principal!), body } as never)) as { id: string };
      void reply.header('location', `/api/v1/${path}/${out.id}`);
      return out;
    }

    @Get()
    @Endpoint({ ...read, summary: `List ${what}s`, query: configListRequestSchema, response: pageSchema(c.dto) })
    list(@Query() query: Body) {
      return this.rpc.request(c.list as never, query as never);
    }

    @Get(':id')
    @Endpoint({ ...read, summary: `Get a ${what}`, response: c.dto, errors: [404] })
    get(@Param('id') id: string) {
      return this.rpc.request(c.get as never, { id: idParam(id) } as never);
    }

    @Patch(':id')
    @Endpoint({
      ...write,
      summary: `Change a ${what} (only the fields given)`,
      action: `${entity}.update`,
      ...secrets,
      body: c.updateBody,
      response: c.dto,
      errors: [404, 409],
    })
    update(@Param('id') id: string, @Body() body: Body, @Req() req: GatewayRequest) {
      return this.rpc.request(c.update as never, { actor: actorOf(req.principal!), id: idParam(id), body } as never);
    }

    @Delete(':id')
    @HttpCode(204)
    @Endpoint({
      ...write,
      summary: `Delete a ${what} (409 while anything references it)`,
      action: `${entity}.delete`,
      status: 204,
      errors: [404, 409],
    })
    async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
      await this.rpc.request(c.delete as never, { actor: actorOf(req.principal!), id: idParam(id) } as never);
    }
  }
  Object.defineProperty(ConfigResourceController, 'name', { value: className });
  return ConfigResourceController;
}

export const CONFIG_CONTROLLERS: Type<unknown>[] = [
  configController('team', 'teams', 'team', 'TeamsController'),
  configController('owner', 'owners', 'owner', 'OwnersController'),
  configController('renewal_policy', 'renewal-policies', 'renewal policy', 'RenewalPoliciesController'),
  configController('profile', 'profiles', 'certificate profile', 'ProfilesController'),
  configController('target', 'targets', 'deployment target', 'TargetsController'),
];
