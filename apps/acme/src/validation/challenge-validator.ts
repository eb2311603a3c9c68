import type { Histogram } from 'prom-client';
import { Histogram as PromHistogram } from 'prom-client';
import { counter, durationBuckets, registerOnce, registry } from '@certctl/observability';
import { parseIp } from '@certctl/platform';
import { validateDns01 } from './dns01';
import { preview } from './key-authorization';
import { validateHttp01 } from './http01';
import { validationContext } from './resolve';
import { validateTlsAlpn01 } from './tls-alpn01';
import { fail, type ValidationRequest, type ValidationResult, type ValidatorOptions } from './types';

const validations = counter('certctl_acme_validations_total', 'ACME challenge validations by type and result (valid or the problem type)', [
  'type',
  'result',
]);
const validationSeconds: Histogram<'type'> = registerOnce(
  'certctl_acme_validation_duration_seconds',
  () =>
    new PromHistogram({
      name: 'certctl_acme_validation_duration_seconds',
      help: 'Duration of ACME challenge validations by challenge type',
      labelNames: ['type'] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
);

const VALIDATORS = { 'http-01': validateHttp01, 'dns-01': validateDns01, 'tls-alpn-01': validateTlsAlpn01 } as const;

/**
 * Validates ACME challenges (http-01, dns-01, tls-alpn-01) against the network as RFC 8555
 * §8 says, within one deadline, connecting only to addresses the policy allows. `validate`
 * never throws: every failure is a result with an ACME problem type.
 */
export class ChallengeValidator {
  constructor(private readonly opts: ValidatorOptions) {}

  async validate(req: ValidationRequest): Promise<ValidationResult> {
    const started = process.hrtime.bigint();
    const type = VALIDATORS[req?.type] ? req.type : 'unknown';
    const result = await this.run(req);
    validations.inc({ type, result: result.ok ? 'valid' : result.problem.type });
    validationSeconds.observe({ type }, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }

  private async run(req: ValidationRequest): Promise<ValidationResult> {
    const validator = req && VALIDATORS[req.type];
    if (!validator) return fail('malformed', `unsupported challenge type "${String(req?.type)}"`);
    if (!req.identifier || (req.identifier.type !== 'dns' && req.identifier.type !== 'ip') || typeof req.identifier.value !== 'string') {
      return fail('malformed', 'the identifier must be {type: "dns" | "ip", value}');
    }
    if (req.identifier.type === 'ip' && !parseIp(req.identifier.value)) {
      return fail('malformed', `"${preview(req.identifier.value)}" is not an IP address`);
    }
    if (req.identifier.type === 'dns' && parseIp(req.identifier.value)) {
      return fail('malformed', `"${req.identifier.value}" is an IP address: use an ip identifier (RFC 8738)`);
    }
    if (typeof req.keyAuthorization !== 'string') return fail('malformed', 'the key authorization must be a string');
    const controller = new AbortController();
    const ctx = validationContext(this.opts, controller.signal);
    const timedOut = (): ValidationResult =>
      fail(
        req.type === 'dns-01' ? 'dns' : 'connection',
        `${req.type} validation of ${req.identifier.value} timed out after ${this.opts.timeoutMs} ms`,
      );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ValidationResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('validation timed out'));
        resolve(timedOut());
      }, this.opts.timeoutMs);
    });
    const work = validator(ctx, req).catch((err: unknown): ValidationResult => {
      if (controller.signal.aborted) return timedOut();
      return fail('connection', `${req.type} validation of ${req.identifier.value} failed: ${(err as Error)?.message ?? String(err)}`);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      ctx.resolver.cancel();
    }
  }
}
