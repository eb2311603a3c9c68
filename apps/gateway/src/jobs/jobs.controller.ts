import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { z } from 'zod';
import {
  InventoryJob,
  JobRetryRpc,
  Permission,
  Rpc,
  jobDecisionBodySchema,
  jobSchema,
  listJobsRequestSchema,
  listJobsResponseSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';

type Decision = z.output<typeof jobDecisionBodySchema>;

@Controller('api/v1/jobs')
export class JobsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @Endpoint({
    permission: Permission.JobsRead,
    tag: 'jobs',
    summary: 'List jobs, newest first',
    query: listJobsRequestSchema,
    response: listJobsResponseSchema,
  })
  list(@Query() query: z.output<typeof listJobsRequestSchema>) {
    return this.rpc.request(Rpc.inventory.jobList, query);
  }

  @Get(':id')
  @Endpoint({ permission: Permission.JobsRead, tag: 'jobs', summary: 'Get a job', response: jobSchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.rpc.request(Rpc.inventory.jobGet, { id: idParam(id) });
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.JobsApprove,
    tag: 'jobs',
    summary: 'Approve a job awaiting approval (not by the one who requested it)',
    action: 'job.approve',
    resource: 'job',
    body: jobDecisionBodySchema,
    response: jobSchema,
    errors: [404, 409],
  })
  approve(@Param('id') id: string, @Body() body: Decision, @Req() req: GatewayRequest) {
    return this.rpc.request(Rpc.inventory.jobApprove, { actor: actorOf(req.principal!), id: idParam(id), reason: body.reason });
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.JobsApprove,
    tag: 'jobs',
    summary: 'Reject a job awaiting approval (not by the one who requested it)',
    action: 'job.reject',
    resource: 'job',
    body: jobDecisionBodySchema,
    response: jobSchema,
    errors: [404, 409],
  })
  reject(@Param('id') id: string, @Body() body: Decision, @Req() req: GatewayRequest) {
    return this.rpc.request(Rpc.inventory.jobReject, { actor: actorOf(req.principal!), id: idParam(id), reason: body.reason });
  }

  @Post(':id/retry')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.JobsRetry,
    tag: 'jobs',
    summary:
      'Retry a failed (dead-lettered) issuance or renewal job: back to pending with its attempts reset and requeued; last_error is kept until it completes or fails again; 409 unless failed',
    action: 'job.retry',
    resource: 'job',
    response: jobSchema,
    errors: [404, 409],
  })
  retry(@Param('id') id: string, @Req() req: GatewayRequest) {
    return this.rpc.request(JobRetryRpc.retry, { actor: actorOf(req.principal!), id: idParam(id) });
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.JobsRetry,
    tag: 'jobs',
    summary:
      "Cancel a job that has not started (pending, awaiting_approval or awaiting_csr); an issuance or renewal job's certificate that was pending or renewal_in_progress becomes failed (like a rejected approval); 409 for a running or finished job",
    action: 'job.cancel',
    resource: 'job',
    body: jobDecisionBodySchema,
    response: jobSchema,
    errors: [404, 409],
  })
  cancel(@Param('id') id: string, @Body() body: Decision, @Req() req: GatewayRequest) {
    return this.rpc.request(InventoryJob.cancel, { actor: actorOf(req.principal!), id: idParam(id), reason: body.reason });
  }
}
