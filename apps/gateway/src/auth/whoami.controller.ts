import { Controller, Get, Req } from '@nestjs/common';
import { Permission, ROLE_PERMISSIONS, type WhoamiResponse, whoamiResponseSchema } from '@certctl/contracts';
import { Endpoint } from '../http/endpoint';
import type { GatewayRequest } from './principal';

/** Who the presented API key is: the dashboard's sign-in check and what it shows or hides by role. */
@Controller('api/v1/auth')
export class WhoamiController {
  @Get('whoami')
  @Endpoint({
    permission: Permission.SessionRead,
    tag: 'auth',
    summary: "The caller's API key, role and permissions (a wrong key is a 401)",
    response: whoamiResponseSchema,
  })
  whoami(@Req() req: GatewayRequest): WhoamiResponse {
    const principal = req.principal!;
    return {
      key_id: principal.key_id,
      key_name: principal.key_name,
      principal: principal.principal,
      role: principal.role,
      agent_id: principal.agent_id,
      permissions: [...ROLE_PERMISSIONS[principal.role]].sort(),
    };
  }
}
