import { Counter } from 'prom-client';
import { registry } from '@certctl/observability';

/** Enrollments over EST and SCEP by profile label and outcome (issued, pending, refused, failed, unauthorized, locked_out, bad_request). */
export const enrollmentsTotal = new Counter({
  name: 'certctl_enrollments_total',
  help: 'EST and SCEP enrollments by protocol, enrollment profile and outcome',
  labelNames: ['protocol', 'profile', 'outcome'],
  registers: [registry],
});
