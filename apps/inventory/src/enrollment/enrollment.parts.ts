import { ManagedIssueRepository } from '../managed-issue/managed-issue.repository';
import { ManagedIssueService } from '../managed-issue/managed-issue.service';
import { EnrollmentHandler } from './enrollment.handler';
import { EnrollmentIssueService } from './enrollment-issue.service';
import { EnrollmentProfileRepository } from './enrollment-profile.repository';
import { EnrollmentProfileService } from './enrollment-profile.service';

/** EST and SCEP enrollment profiles and enrollments: what the inventory module registers for them. */
export const ENROLLMENT_HANDLERS = [EnrollmentHandler];
export const ENROLLMENT_PROVIDERS = [EnrollmentProfileRepository, EnrollmentProfileService, EnrollmentIssueService];
/** The shared recorder of protocol requests (ACME orders, enrollments). */
export const MANAGED_ISSUE_PROVIDERS = [ManagedIssueRepository, ManagedIssueService];
