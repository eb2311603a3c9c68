import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import {
  InventoryEnrollment,
  Permission,
  createEnrollmentProfileBodySchema,
  enrollmentProfileSchema,
  listEnrollmentProfilesQuerySchema,
  updateEnrollmentProfileBodySchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { pageSchema } from '../http/pagination';
import { idParam } from '../http/params';

// Admin only, reads included: settings name trust anchors and the shape of secrets. Bodies carry passwords: no body hash in audit rows.
const admin = { tag: 'enrollment-profiles', resource: 'enrollment_profile', permission: Permission.InventoryWrite } as const;

/** EST and SCEP enrollment profiles, forwarded to inventory. */
@Controller('api/v1/enrollment-profiles')
export class EnrollmentProfilesController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    ...admin,
    summary: 'Create an EST or SCEP enrollment profile (secrets stored hashed or sealed, shown masked)',
    action: 'enrollment_profile.create',
    secretBody: true,
    body: createEnrollmentProfileBodySchema,
    response: enrollmentProfileSchema,
    status: 201,
    errors: [409],
  })
  async create(
    @Body() body: z.output<typeof createEnrollmentProfileBodySchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const profile = await this.rpc.request(InventoryEnrollment.profileCreate, { actor: actorOf(req.principal!), body });
    req.auditResourceId = profile.id;
    void reply.header('location', `/api/v1/enrollment-profiles/${profile.id}`);
    return profile;
  }

  @Get()
  @Endpoint({
    ...admin,
    summary: 'List enrollment profiles (?protocol=est|scep)',
    query: listEnrollmentProfilesQuerySchema,
    response: pageSchema(enrollmentProfileSchema),
  })
  list(@Query() query: z.output<typeof listEnrollmentProfilesQuerySchema>) {
    return this.rpc.request(InventoryEnrollment.profileList, query);
  }

  @Get(':id')
  @Endpoint({ ...admin, summary: 'Get an enrollment profile (secrets masked)', response: enrollmentProfileSchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.rpc.request(InventoryEnrollment.profileGet, { id: idParam(id) });
  }

  @Patch(':id')
  @Endpoint({
    ...admin,
    summary: 'Change an enrollment profile (only the fields given; a secret sent back as **** is kept)',
    action: 'enrollment_profile.update',
    secretBody: true,
    body: updateEnrollmentProfileBodySchema,
    response: enrollmentProfileSchema,
    errors: [404, 409],
  })
  update(@Param('id') id: string, @Body() body: z.output<typeof updateEnrollmentProfileBodySchema>, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryEnrollment.profileUpdate, { actor: actorOf(req.principal!), id: idParam(id), body });
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({ ...admin, summary: 'Delete an enrollment profile', action: 'enrollment_profile.delete', status: 204, errors: [404] })
  async remove(@Param('id') id: string, @Req() req: GatewayRequest): Promise<void> {
    await this.rpc.request(InventoryEnrollment.profileDelete, { actor: actorOf(req.principal!), id: idParam(id) });
  }
}
