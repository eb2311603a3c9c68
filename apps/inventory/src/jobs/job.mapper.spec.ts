import { jobSchema } from '@certctl/contracts';
import { toJobDto } from './job.mapper';
import type { JobRow } from './job.repository';

const at = new Date('2026-03-01T12:00:00.000Z');
const fingerprint = 'ab'.repeat(32);

function row(fields: Partial<JobRow>): JobRow {
  return {
    id: 'job_1',
    type: 'deployment',
    status: 'completed',
    certificateId: 'crt_1',
    targetId: 'tgt_1',
    agentId: 'agt_1',
    attempts: 1,
    maxAttempts: 3,
    lastError: null,
    requestedBy: 'system',
    requestedByKeyId: null,
    requestedByOwner: null,
    decidedBy: null,
    decisionReason: null,
    decidedAt: null,
    csrPem: null,
    traceparent: null,
    idempotencyKey: null,
    result: {},
    scheduledAt: at,
    startedAt: at,
    completedAt: at,
    createdAt: at,
    updatedAt: at,
    ...fields,
  } as JobRow;
}

/** What the agent stores (apps/agent/src/jobs/deploy-job.ts reportOf) over the job's own version_id. */
const verified = {
  version_id: 'ver_1',
  target_id: 'tgt_1',
  files: ['/etc/nginx/tls/site.crt', '/etc/nginx/tls/site.key'],
  verification: { ok: true, served_fingerprint: fingerprint, address: '127.0.0.1:8443', verified_at: at.toISOString() },
  rolled_back: false,
};

describe('toJobDto result', () => {
  it('ok/a verified deployment shows files, fingerprint, address and time, and the DTO passes the API schema', () => {
    const dto = toJobDto(row({ result: verified }));
    expect(dto.result).toEqual({
      version_id: 'ver_1',
      target_id: 'tgt_1',
      files: ['/etc/nginx/tls/site.crt', '/etc/nginx/tls/site.key'],
      verification: { ok: true, served_fingerprint: fingerprint, address: '127.0.0.1:8443', verified_at: at.toISOString(), error: null },
      rolled_back: false,
      failed_step: null,
    });
    expect(jobSchema.parse(dto)).toEqual(dto);
  });

  it('ok/a failed, rolled back deployment shows the verification error and the failed step', () => {
    const result = {
      ...verified,
      verification: {
        ...verified.verification,
        ok: false,
        served_fingerprint: 'cd'.repeat(32),
        error: 'the served certificate is not the deployed one',
      },
      rolled_back: true,
      failed_step: 'verify',
    };
    const dto = toJobDto(row({ status: 'failed', lastError: 'the served certificate is not the deployed one', result }));
    expect(dto.result).toMatchObject({
      verification: { ok: false, served_fingerprint: 'cd'.repeat(32), error: 'the served certificate is not the deployed one' },
      rolled_back: true,
      failed_step: 'verify',
    });
    expect(jobSchema.parse(dto)).toEqual(dto);
  });

  it('ok/a deployment that failed before any check has a null verification; a missing target_id comes from the job', () => {
    const dto = toJobDto(
      row({ status: 'failed', result: { version_id: 'ver_1', files: [], verification: null, rolled_back: false, failed_step: 'config' } }),
    );
    expect(dto.result).toEqual({
      version_id: 'ver_1',
      target_id: 'tgt_1',
      files: [],
      verification: null,
      rolled_back: false,
      failed_step: 'config',
    });
  });

  it('ok/only the agreed fields are shown: anything else stored with the report is dropped', () => {
    const dto = toJobDto(
      row({
        result: {
          ...verified,
          private_key_pem: '-----BEGIN PRIVATE KEY-----',
          verification: { ...verified.verification, password: 'hunter2' },
        },
      }),
    );
    const text = JSON.stringify(dto);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('hunter2');
    expect(Object.keys(dto.result!).sort()).toEqual(['failed_step', 'files', 'rolled_back', 'target_id', 'verification', 'version_id']);
  });

  it('ok/jobs without a report have a null result: a pending deployment (version_id only), an issuance job, an empty result', () => {
    expect(toJobDto(row({ status: 'pending', result: { version_id: 'ver_1' } })).result).toBeNull();
    expect(toJobDto(row({ type: 'issuance', targetId: null, result: { version_id: 'ver_1' } })).result).toBeNull();
    expect(toJobDto(row({ type: 'renewal', targetId: null, result: { ...verified } })).result).toBeNull();
    expect(toJobDto(row({ result: {} })).result).toBeNull();
    expect(jobSchema.parse(toJobDto(row({ result: {} })))).toMatchObject({ result: null });
  });

  it('fail/a malformed stored result is null, never a half-read report', () => {
    for (const result of [
      null,
      'verified',
      [verified],
      { ...verified, files: 'site.crt' },
      { ...verified, rolled_back: 'no' },
      { ...verified, verification: { ...verified.verification, ok: 'yes' } },
      { ...verified, verification: { ...verified.verification, verified_at: 'yesterday' } },
      { ...verified, failed_step: 'somewhere' },
    ]) {
      expect(toJobDto(row({ result })).result).toBeNull();
    }
  });
});
