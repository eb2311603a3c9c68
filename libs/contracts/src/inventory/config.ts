import { z } from 'zod';
import { contract } from '../contract';
import {
  type ConfigEntity,
  configDeleteResponseSchema,
  configListRequestSchema,
  createOwnerSchema,
  createProfileSchema,
  createRenewalPolicySchema,
  createTargetSchema,
  createTeamSchema,
  ownerSchema,
  profileSchema,
  renewalPolicySchema,
  targetSchema,
  teamSchema,
  updateOwnerSchema,
  updateProfileSchema,
  updateRenewalPolicySchema,
  updateTargetSchema,
  updateTeamSchema,
} from '../inventory-config';
import type { BusService } from '../services';
import { actorSchema, idSchema } from '../schemas';

/**
 * Inventory's configuration resources: one set of contracts per entity, create/get/list/
 * update/delete over certctl.v1.inventory.<entity>.<verb>, called by the gateway (and `get`
 * by whoever else `readers` names).
 */
function configContracts<D extends z.ZodType, C extends z.ZodType, U extends z.ZodType>(
  entity: ConfigEntity,
  schemas: { dto: D; create: C; update: U },
  readers: readonly BusService[] = [],
) {
  const { dto, create, update } = schemas;
  const declare = <Req extends z.ZodType, Res extends z.ZodType>(
    verb: string,
    request: Req,
    response: Res,
    callers: readonly BusService[],
  ) => contract({ subject: `certctl.v1.inventory.${entity}.${verb}`, owner: 'inventory', callers, request, response });
  const gateway: readonly BusService[] = ['gateway'];
  return {
    entity,
    dto,
    createBody: create,
    updateBody: update,
    create: declare('create', z.object({ actor: actorSchema, body: create }), dto, gateway),
    get: declare('get', z.object({ id: idSchema }), dto, [...gateway, ...readers]),
    list: declare('list', configListRequestSchema, z.object({ data: z.array(dto), next_cursor: z.string().nullable() }), gateway),
    update: declare('update', z.object({ actor: actorSchema, id: idSchema, body: update }), dto, gateway),
    delete: declare('delete', z.object({ actor: actorSchema, id: idSchema }), configDeleteResponseSchema, gateway),
  };
}

export const InventoryConfig = {
  /** ACME checks the team, owner and renewal policy an ACME profile's certificates are set to land in. */
  team: configContracts('team', { dto: teamSchema, create: createTeamSchema, update: updateTeamSchema }, ['acme']),
  owner: configContracts('owner', { dto: ownerSchema, create: createOwnerSchema, update: updateOwnerSchema }, ['acme']),
  renewal_policy: configContracts(
    'renewal_policy',
    { dto: renewalPolicySchema, create: createRenewalPolicySchema, update: updateRenewalPolicySchema },
    ['acme'],
  ),
  /** Issuance checks a job's profile at signing; ACME reads the profile of its directory. */
  profile: configContracts('profile', { dto: profileSchema, create: createProfileSchema, update: updateProfileSchema }, [
    'issuance',
    'acme',
  ]),
  target: configContracts('target', { dto: targetSchema, create: createTargetSchema, update: updateTargetSchema }),
} as const;
export type ConfigContracts = (typeof InventoryConfig)[ConfigEntity];
