import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { Permission } from '@certctl/contracts';
import type { GatewayRequest } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';
import {
  type CreateApiKey,
  apiKeyPageSchema,
  apiKeySchema,
  apiKeyWithSecretSchema,
  createApiKeySchema,
  listApiKeysQuerySchema,
} from './api-keys.schemas';
import { ApiKeysService } from './api-keys.service';

const common = { permission: Permission.ApiKeysManage, tag: 'api-keys', resource: 'api_key' } as const;

@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    ...common,
    summary: 'Create a named API key; the secret is in this response only',
    action: 'api_key.create',
    body: createApiKeySchema,
    response: apiKeyWithSecretSchema,
    status: 201,
    errors: [409],
  })
  async create(@Body() body: CreateApiKey, @Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const key = await this.keys.create(body, req.principal!);
    void reply.header('location', `/api/v1/api-keys/${key.id}`);
    return key;
  }

  @Get()
  @Endpoint({
    ...common,
    summary: 'List API keys (never their secrets or hashes)',
    query: listApiKeysQuerySchema,
    response: apiKeyPageSchema,
  })
  list(@Query() query: z.output<typeof listApiKeysQuerySchema>) {
    return this.keys.list(query);
  }

  @Get(':id')
  @Endpoint({ ...common, summary: 'Get an API key', response: apiKeySchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.keys.get(idParam(id));
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Endpoint({
    ...common,
    summary: 'Disable an API key (it stops working)',
    action: 'api_key.disable',
    response: apiKeySchema,
    errors: [404, 409],
  })
  disable(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.keys.setDisabled(idParam(id), true, req.principal!);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @Endpoint({ ...common, summary: 'Re-enable a disabled API key', action: 'api_key.enable', response: apiKeySchema, errors: [404] })
  enable(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.keys.setDisabled(idParam(id), false, req.principal!);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @Endpoint({
    ...common,
    summary: 'Rotate an API key: a new secret (in this response only); the old one stops working',
    action: 'api_key.rotate',
    response: apiKeyWithSecretSchema,
    errors: [404],
  })
  rotate(@Param('id') id: string) {
    return this.keys.rotate(idParam(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({ ...common, summary: 'Delete an API key', action: 'api_key.delete', status: 204, errors: [404, 409] })
  async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.keys.delete(idParam(id), req.principal!);
  }
}
