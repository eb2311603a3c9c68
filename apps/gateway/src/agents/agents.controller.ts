import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AgentRpc,
  Permission,
  agentJobSchema,
  agentJobStatusBodySchema,
  agentSchema,
  agentWorkQuerySchema,
  agentWorkSchema,
  heartbeatBodySchema,
  jobSchema,
  listAgentsQuerySchema,
  registerAgentBodySchema,
  retireAgentSchema,
  submitCsrBodySchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { pageSchema } from '../http/pagination';
import { idParam } from '../http/params';
import { AgentEnrolment } from './agent-enrolment';
import { AgentLiveness } from './agent-liveness';

const self = { permission: Permission.AgentSelf, tag: 'agents', agentParam: 'id' } as const;

@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly enrolment: AgentEnrolment,
    private readonly liveness: AgentLiveness,
  ) {}

  @Post()
  @HttpCode(201)
  @Endpoint({
    permission: Permission.InventoryWrite,
    tag: 'agents',
    summary: 'Register an agent; the answer carries an API key of role agent bound to it (shown once)',
    action: 'agent.register',
    resource: 'agent',
    body: registerAgentBodySchema,
    response: z.object({ agent: agentSchema, api_key: z.string() }),
    status: 201,
    errors: [409],
  })
  async register(
    @Body() body: z.output<typeof registerAgentBodySchema>,
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const enrolled = await this.enrolment.enrol(body, actorOf(req.principal!), req.principal!);
    req.auditResourceId = enrolled.id;
    void reply.header('location', `/api/v1/agents/${enrolled.id}`);
    return enrolled;
  }

  @Post(':id/retire')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.InventoryWrite,
    tag: 'agents',
    summary:
      'Retire an agent: its pending and claimed jobs fail, and every agent route of it answers 410 agent_retired from now on (idempotent: a second call fails nothing more)',
    action: 'agent.retire',
    resource: 'agent',
    response: retireAgentSchema,
    errors: [404],
  })
  async retire(@Param('id') id: string, @Req() req: GatewayRequest) {
    const done = await this.rpc.request(AgentRpc.retire, { actor: actorOf(req.principal!), id: idParam(id) });
    await this.liveness.retiredHere(done.agent.id);
    req.auditDetails = { failed_jobs: done.failed_jobs };
    return done;
  }

  @Get()
  @Endpoint({
    permission: Permission.InventoryRead,
    tag: 'agents',
    summary: 'List agents',
    query: listAgentsQuerySchema,
    response: pageSchema(agentSchema),
  })
  list(@Query() query: z.output<typeof listAgentsQuerySchema>) {
    return this.rpc.request(AgentRpc.list, query);
  }

  @Get(':id')
  @Endpoint({ permission: Permission.InventoryRead, tag: 'agents', summary: 'Get an agent', response: agentSchema, errors: [404] })
  get(@Param('id') id: string) {
    return this.rpc.request(AgentRpc.get, { id: idParam(id) });
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  @Endpoint({
    ...self,
    summary: 'Heartbeat: host facts; marks the agent online (one UPDATE, no other write: not audited unless refused)',
    action: 'agent.heartbeat',
    resource: 'agent',
    audit: false,
    body: heartbeatBodySchema,
    response: z.object({ id: z.string(), status: z.literal('online') }),
    errors: [404],
  })
  heartbeat(@Param('id') id: string, @Body() body: z.output<typeof heartbeatBodySchema>) {
    return this.rpc.request(AgentRpc.heartbeat, { id: idParam(id), body });
  }

  @Get(':id/work')
  @Endpoint({
    ...self,
    summary:
      'Claim this agent’s pending deployment jobs (each job goes to one claimer only); its agent-key issuance jobs are listed as awaiting_csr',
    query: agentWorkQuerySchema,
    response: agentWorkSchema,
    errors: [404],
  })
  work(@Param('id') id: string, @Query() query: z.output<typeof agentWorkQuerySchema>) {
    return this.rpc.request(AgentRpc.claimWork, { id: idParam(id), limit: query.limit });
  }

  @Post(':id/jobs/:job_id/status')
  @HttpCode(200)
  @Endpoint({
    ...self,
    summary:
      'Report progress, result or failure of one of this agent’s deployment jobs (other job types: 403; a job awaiting approval: 409)',
    action: 'agent.job_status',
    resource: 'job',
    body: agentJobStatusBodySchema,
    response: jobSchema,
    errors: [404, 409],
  })
  status(
    @Param('id') id: string,
    @Param('job_id') jobId: string,
    @Body() body: z.output<typeof agentJobStatusBodySchema>,
    @Req() req: GatewayRequest,
  ) {
    req.auditResourceId = jobId;
    return this.rpc.request(AgentRpc.jobStatus, { id: idParam(id), job_id: idParam(jobId, 'job_id'), body });
  }

  @Post(':id/jobs/:job_id/csr')
  @HttpCode(202)
  @Endpoint({
    ...self,
    summary: 'Submit the CSR for an AwaitingCSR job (signature, names and key are checked); the job is then signed',
    action: 'agent.submit_csr',
    resource: 'job',
    body: submitCsrBodySchema,
    response: jobSchema,
    status: 202,
    errors: [404, 409],
  })
  submitCsr(
    @Param('id') id: string,
    @Param('job_id') jobId: string,
    @Body() body: z.output<typeof submitCsrBodySchema>,
    @Req() req: GatewayRequest,
  ) {
    req.auditResourceId = jobId;
    return this.rpc.request(AgentRpc.submitCsr, { id: idParam(id), job_id: idParam(jobId, 'job_id'), body });
  }

  @Get(':id/jobs/:job_id')
  @Endpoint({
    ...self,
    summary: 'One of this agent’s jobs, with the issued certificate once complete',
    response: agentJobSchema,
    errors: [404],
  })
  job(@Param('id') id: string, @Param('job_id') jobId: string) {
    return this.rpc.request(AgentRpc.job, { id: idParam(id), job_id: idParam(jobId, 'job_id') });
  }
}
