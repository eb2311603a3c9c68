import { z } from 'zod';
import { contract } from '../contract';
import {
  claimDiscoveredBodySchema,
  createNetworkScanTargetSchema,
  discoveredCertificateSchema,
  discoveryEventSchema,
  discoveryReportBodySchema,
  discoveryReportResponseSchema,
  discoverySummarySchema,
  dismissDiscoveredBodySchema,
  listDiscoveredQuerySchema,
  networkFindingSchema,
  networkScanResultSchema,
  networkScanTargetSchema,
  updateNetworkScanTargetSchema,
} from '../discovery-schemas';
import { actorSchema, idSchema } from '../schemas';

const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
const gateway = ['gateway'] as const;
const rpc = <Req extends z.ZodType, Res extends z.ZodType>(
  verb: string,
  request: Req,
  response: Res,
  callers: readonly ('gateway' | 'scheduler')[] = gateway,
) => contract({ subject: `certctl.v1.inventory.discovery.${verb}`, owner: 'inventory', callers, request, response });

/** Discovered certificates (agent reports, network scans) and their triage, owned by inventory. */
export const InventoryDiscovery = {
  report: rpc('report', z.object({ agent_id: idSchema, body: discoveryReportBodySchema }), discoveryReportResponseSchema),
  list: rpc('list', listDiscoveredQuerySchema, page(discoveredCertificateSchema)),
  get: rpc('get', z.object({ id: idSchema }), discoveredCertificateSchema),
  summary: rpc('summary', z.object({}), discoverySummarySchema),
  claim: rpc(
    'claim',
    z.object({ actor: actorSchema, id: idSchema, body: claimDiscoveredBodySchema }),
    z.object({ discovered: discoveredCertificateSchema, certificate_id: z.string() }),
  ),
  dismiss: rpc('dismiss', z.object({ actor: actorSchema, id: idSchema, body: dismissDiscoveredBodySchema }), discoveredCertificateSchema),

  found: contract({
    subject: 'certctl.v1.events.discovery.found',
    emitters: ['inventory'],
    consumers: [],
    payload: discoveryEventSchema,
  }),
  claimed: contract({
    subject: 'certctl.v1.events.discovery.claimed',
    emitters: ['inventory'],
    consumers: [],
    payload: discoveryEventSchema,
  }),
  dismissed: contract({
    subject: 'certctl.v1.events.discovery.dismissed',
    emitters: ['inventory'],
    consumers: [],
    payload: discoveryEventSchema,
  }),
} as const;

const scanRpc = <Req extends z.ZodType, Res extends z.ZodType>(
  verb: string,
  request: Req,
  response: Res,
  callers: readonly ('gateway' | 'scheduler')[] = gateway,
) => contract({ subject: `certctl.v1.inventory.network-scan-target.${verb}`, owner: 'inventory', callers, request, response });

/** Network scan targets, owned by inventory; the scheduler claims the due ones, scans and records what it found. */
export const InventoryNetworkScan = {
  create: scanRpc('create', z.object({ actor: actorSchema, body: createNetworkScanTargetSchema }), networkScanTargetSchema),
  list: scanRpc(
    'list',
    z.object({ limit: z.number().int().min(1).max(500), cursor: z.string().optional() }),
    page(networkScanTargetSchema),
  ),
  get: scanRpc('get', z.object({ id: idSchema }), networkScanTargetSchema),
  update: scanRpc('update', z.object({ actor: actorSchema, id: idSchema, body: updateNetworkScanTargetSchema }), networkScanTargetSchema),
  delete: scanRpc('delete', z.object({ actor: actorSchema, id: idSchema }), z.object({ id: z.string(), deleted: z.literal(true) })),
  /** Makes the target due now: the scheduler's next network-scan pass runs it. */
  run: scanRpc('run', z.object({ actor: actorSchema, id: idSchema }), networkScanTargetSchema),
  /** The scheduler takes the due targets (each moved to its next run time in the same statement). */
  claimDue: scanRpc(
    'claim-due',
    z.object({ limit: z.number().int().min(1).max(100) }),
    z.object({ data: z.array(networkScanTargetSchema) }),
    ['scheduler'],
  ),
  /** The scheduler records what one scan found, in batches (under the NATS message limit); the last carries the summary kept on the target. */
  record: scanRpc(
    'record',
    z.object({ id: idSchema, findings: z.array(networkFindingSchema).max(500), result: networkScanResultSchema.optional() }),
    z.object({ received: z.number().int(), new: z.number().int() }),
    ['scheduler'],
  ),
} as const;
