import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { z } from 'zod';
import { Permission, scepChallengeCreateSchema, scepChallengeSchema } from '@certctl/contracts';
import type { GatewayRequest } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';
import { ScepChallengesService } from './scep-challenges.service';

/** One-time SCEP challenge passwords (admin, or an MDM integration's admin key). */
@Controller('api/v1/enrollment-profiles')
export class ScepChallengesController {
  constructor(private readonly challenges: ScepChallengesService) {}

  @Post(':id/scep-challenges')
  @HttpCode(201)
  @Endpoint({
    permission: Permission.InventoryWrite,
    tag: 'enrollment-profiles',
    summary: 'Create a one-time SCEP challenge password for a SCEP enrollment profile (shown once, stored as its SHA-256)',
    action: 'scep_challenge.create',
    resource: 'scep_challenge',
    body: scepChallengeCreateSchema,
    response: scepChallengeSchema,
    status: 201,
    errors: [404, 422],
  })
  create(@Param('id') id: string, @Body() body: z.output<typeof scepChallengeCreateSchema>, @Req() req: GatewayRequest) {
    return this.challenges.create(idParam(id), body.ttl_minutes, body.note, req.principal!.principal);
  }
}
