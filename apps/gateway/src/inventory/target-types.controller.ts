import { Controller, Get } from '@nestjs/common';
import { Permission, targetTypeSchemas, targetTypesResponseSchema } from '@certctl/contracts';
import { Endpoint } from '../http/endpoint';

/**
 * The target types and the JSON Schema of each one's `config`. The schemas are the shared ones in
 * @certctl/contracts that inventory validates targets with and the agent deploys with, so the
 * gateway answers them itself: no service holds anything this answer depends on.
 */
@Controller('api/v1/target-types')
export class TargetTypesController {
  private readonly types = { data: targetTypeSchemas() };

  @Get()
  @Endpoint({
    permission: Permission.InventoryRead,
    tag: 'targets',
    summary:
      "The deployment target types and the JSON Schema of each one's `config` (POST /api/v1/targets), as the API and the agent validate it; secret fields are writeOnly, free_form types take any JSON object",
    response: targetTypesResponseSchema,
  })
  list() {
    return this.types;
  }
}
