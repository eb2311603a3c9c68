import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryEnrollment, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { EnrollmentIssueService } from './enrollment-issue.service';
import { EnrollmentProfileService } from './enrollment-profile.service';

type Req<K extends keyof typeof InventoryEnrollment> = RpcRequestParsed<(typeof InventoryEnrollment)[K]>;

@Controller()
export class EnrollmentHandler {
  constructor(
    private readonly profiles: EnrollmentProfileService,
    private readonly enrollments: EnrollmentIssueService,
  ) {}

  @RpcHandler(InventoryEnrollment.profileCreate)
  create(@Payload() req: Req<'profileCreate'>) {
    return this.profiles.create(req.actor, req.body);
  }

  @RpcHandler(InventoryEnrollment.profileGet)
  get(@Payload() req: Req<'profileGet'>) {
    return this.profiles.get(req.id);
  }

  @RpcHandler(InventoryEnrollment.profileList)
  list(@Payload() req: Req<'profileList'>) {
    return this.profiles.list(req);
  }

  @RpcHandler(InventoryEnrollment.profileUpdate)
  update(@Payload() req: Req<'profileUpdate'>) {
    return this.profiles.update(req.actor, req.id, req.body);
  }

  @RpcHandler(InventoryEnrollment.profileDelete)
  delete(@Payload() req: Req<'profileDelete'>) {
    return this.profiles.delete(req.actor, req.id);
  }

  @RpcHandler(InventoryEnrollment.profileResolve)
  resolve(@Payload() req: Req<'profileResolve'>) {
    return this.profiles.resolve(req.protocol, req.label);
  }

  @RpcHandler(InventoryEnrollment.issue)
  issue(@Payload() req: Req<'issue'>) {
    return this.enrollments.issue(req);
  }

  @RpcHandler(InventoryEnrollment.renewable)
  renewable(@Payload() req: Req<'renewable'>) {
    return this.enrollments.renewable(req);
  }
}
