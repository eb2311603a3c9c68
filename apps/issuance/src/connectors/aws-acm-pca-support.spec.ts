import { awsAcmPcaConfigSchema } from './aws-acm-pca-config';
import { awsConnectorError, awsRevocationReason, awsSerial, awsValidity, idempotencyToken, pollDelays } from './aws-acm-pca-support';
import { ConnectorError } from './connector';

/** An error shaped like the AWS SDK v3's ServiceException. */
function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: status === undefined ? undefined : { httpStatusCode: status },
    ...extra,
  });
}

const ARN = 'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0b6f2a8e-1111-2222-3333-444455556666';

describe('aws-acm-pca: SDK errors as connector errors', () => {
  it.each([
    ['ThrottlingException', 400],
    ['RequestInProgressException', 400],
    ['InternalFailureException', 500],
    ['SomethingNew', 503],
  ])('ok/%s (%s) is retryable', (name, status) => {
    const err = awsConnectorError('IssueCertificate', sdkError(name, status));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`AWS Private CA IssueCertificate failed: ${name}`);
  });

  it('ok/a network failure (no HTTP answer, an errno code) is retryable', () => {
    expect(awsConnectorError('GetCertificate', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).retryable).toBe(
      true,
    );
  });

  it.each([
    ['ValidationException', 400],
    ['AccessDeniedException', 400],
    ['ResourceNotFoundException', 400],
    ['InvalidStateException', 400],
    ['MalformedCSRException', 400],
    ['CredentialsProviderError', undefined],
  ])('err/%s is terminal', (name, status) => {
    const err = awsConnectorError('IssueCertificate', sdkError(name, status));
    expect(err.retryable).toBe(false);
    expect(err.code).toBe('issuer_failure');
  });

  it('ok/a ConnectorError passes through unchanged', () => {
    const original = ConnectorError.terminal('already mapped');
    expect(awsConnectorError('x', original)).toBe(original);
  });
});

describe('aws-acm-pca: formats', () => {
  it('ok/serials become uppercase colon-separated byte pairs, odd lengths padded', () => {
    expect(awsSerial('0a1b2c')).toBe('0A:1B:2C');
    expect(awsSerial('abc')).toBe('0A:BC');
    expect(awsSerial('00ff')).toBe('FF');
  });

  it('ok/RFC 5280 reasons map to AWS reasons; hold and removeFromCRL are refused as terminal', () => {
    expect(awsRevocationReason('keyCompromise')).toBe('KEY_COMPROMISE');
    expect(awsRevocationReason('cACompromise')).toBe('CERTIFICATE_AUTHORITY_COMPROMISE');
    expect(awsRevocationReason('aACompromise')).toBe('A_A_COMPROMISE');
    expect(() => awsRevocationReason('certificateHold')).toThrow(/certificateHold/);
    expect(() => awsRevocationReason('removeFromCRL')).toThrow(ConnectorError);
  });

  it('ok/the idempotency token is stable per job, distinct across jobs, within AWS limits (36 characters)', () => {
    expect(idempotencyToken('job_1')).toBe(idempotencyToken('job_1'));
    expect(idempotencyToken('job_1')).not.toBe(idempotencyToken('job_2'));
    expect(idempotencyToken('job_1')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('ok/validity in days, or an absolute end for a profile in seconds', () => {
    expect(awsValidity({ validityDays: 90 })).toEqual({ Type: 'DAYS', Value: 90 });
    expect(awsValidity({ validityDays: 1, validitySeconds: 3600 }, 1_000_000_000_000)).toEqual({ Type: 'ABSOLUTE', Value: 1_000_003_600 });
  });

  it('ok/polling backs off to a cap and stops at the overall limit', () => {
    const delays = [...pollDelays(20000)];
    expect(delays.slice(0, 6)).toEqual([200, 400, 800, 1600, 3200, 5000]);
    expect(Math.max(...delays)).toBe(5000);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(20000);
  });
});

describe('aws-acm-pca: config schema', () => {
  const base = { region: 'eu-west-1', certificate_authority_arn: ARN };

  it('ok/defaults the template and timeout; static credentials optional', () => {
    const config = awsAcmPcaConfigSchema.parse(base);
    expect(config.template_arn).toBe('arn:aws:acm-pca:::template/EndEntityCertificate/V1');
    expect(config.issue_timeout_ms).toBe(120000);
    expect(config.access_key_id).toBeUndefined();
  });

  it('ok/an emulator on loopback may use http; any other http endpoint is refused', () => {
    expect(awsAcmPcaConfigSchema.safeParse({ ...base, endpoint: 'http://127.0.0.1:5000' }).success).toBe(true);
    expect(awsAcmPcaConfigSchema.safeParse({ ...base, endpoint: 'https://vpce-1.acm-pca.eu-west-1.vpce.amazonaws.com' }).success).toBe(
      true,
    );
    const bad = awsAcmPcaConfigSchema.safeParse({ ...base, endpoint: 'http://pca.example.com' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['endpoint']);
  });

  it.each([
    [{ ...base, certificate_authority_arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }, 'certificate_authority_arn'],
    [{ ...base, region: 'us-east-1' }, 'certificate_authority_arn'],
    [{ ...base, access_key_id: 'AKIAIOSFODNN7EXAMPLE' }, 'secret_access_key'],
    [{ ...base, secret_access_key: 'x' }, 'access_key_id'],
    [{ ...base, template_arn: 'EndEntity' }, 'template_arn'],
    [{ ...base, unknown: 1 }, ''],
  ])('err/%j names %s', (config, field) => {
    const parsed = awsAcmPcaConfigSchema.safeParse(config);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
