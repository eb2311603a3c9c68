import { z } from 'zod';
import { Subjects } from './subjects';
import * as s from './schemas';

/** A request/reply contract: one subject, a request schema and a reply schema, checked at both ends. */
export interface RpcContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
}
export interface EventContract<P extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly payload: P;
}
export type RpcRequest<C extends RpcContract> = z.input<C['request']>;
export type RpcRequestParsed<C extends RpcContract> = z.output<C['request']>;
export type RpcResponse<C extends RpcContract> = z.output<C['response']>;
export type EventPayload<E extends EventContract> = z.output<E['payload']>;

/** Declares a request/reply contract (every contract file uses this one helper). */
export const defineRpc = <Req extends z.ZodType, Res extends z.ZodType>(
  subject: string,
  request: Req,
  response: Res,
): RpcContract<Req, Res> => ({
  subject,
  request,
  response,
});
const rpc = defineRpc;
const event = <P extends z.ZodType>(subject: string, payload: P): EventContract<P> => ({ subject, payload });

export const Rpc = {
  inventory: {
    certificateCreate: rpc(Subjects.inventory.certificateCreate, s.createCertificateRequestSchema, s.createCertificateResponseSchema),
    certificateGet: rpc(Subjects.inventory.certificateGet, s.getByIdSchema, s.certificateSchema),
    certificateList: rpc(Subjects.inventory.certificateList, s.listCertificatesRequestSchema, s.listCertificatesResponseSchema),
    jobStart: rpc(Subjects.inventory.jobStart, s.getByIdSchema, s.jobStartResponseSchema),
    jobComplete: rpc(Subjects.inventory.jobComplete, s.jobCompleteRequestSchema, s.jobCompleteResponseSchema),
    jobFail: rpc(Subjects.inventory.jobFail, s.jobFailRequestSchema, s.jobFailResponseSchema),
    jobGet: rpc(Subjects.inventory.jobGet, s.getByIdSchema, s.jobSchema),
    jobList: rpc(Subjects.inventory.jobList, s.listJobsRequestSchema, s.listJobsResponseSchema),
    jobApprove: rpc(Subjects.inventory.jobApprove, s.jobDecisionRequestSchema, s.jobSchema),
    jobReject: rpc(Subjects.inventory.jobReject, s.jobDecisionRequestSchema, s.jobSchema),
  },
  issuance: {
    issuerGet: rpc(Subjects.issuance.issuerGet, s.getByIdSchema, s.issuerSchema),
    issuerList: rpc(Subjects.issuance.issuerList, z.object({}), s.listIssuersResponseSchema),
  },
} as const;

export const Events = {
  certificateCreated: event(Subjects.events.certificateCreated, s.certificateEventSchema),
  certificateIssued: event(Subjects.events.certificateIssued, s.certificateEventSchema),
  jobApproved: event(Subjects.events.jobApproved, s.jobDecisionEventSchema),
  jobRejected: event(Subjects.events.jobRejected, s.jobDecisionEventSchema),
  jobFailed: event(Subjects.events.jobFailed, z.object({ job_id: z.string(), certificate_id: z.string(), error: z.string() })),
} as const;
