import { describe, expect, it } from 'vitest';
import { formatDate } from '../components/status';
import { type Job, verificationSummary } from './jobs';

const fingerprint = 'ab'.repeat(32);
const result = (verification: NonNullable<Job['result']>['verification'], rolled_back = false): Job['result'] => ({
  version_id: 'ver-1',
  target_id: 'tgt-1',
  files: ['/etc/nginx/tls/site.crt', '/etc/nginx/tls/site.key'],
  verification,
  rolled_back,
  failed_step: verification?.ok === false ? 'verify' : null,
});
const at = '2026-12-05T17:58:02.114Z';

describe('verificationSummary', () => {
  it('a verified deployment: ok, the served fingerprint, the address and when', () => {
    const text = verificationSummary(
      result({ ok: true, served_fingerprint: fingerprint, address: '127.0.0.1:443', verified_at: at, error: null }),
    );
    expect(text).toBe(`verified: ok · ${fingerprint} · 127.0.0.1:443 · ${formatDate(at)}`);
  });

  it('a failed check: the address, what was served, the error and the rollback', () => {
    const error = `127.0.0.1:443 serves ${fingerprint}, not the deployed cd…`;
    const text = verificationSummary(
      result({ ok: false, served_fingerprint: fingerprint, address: '127.0.0.1:443', verified_at: at, error }, true),
    );
    expect(text).toBe(`verification failed at 127.0.0.1:443 (served ${fingerprint}): ${error}; rolled back`);
  });

  it('no check (no result, or a target without verification) gives nothing', () => {
    expect(verificationSummary(null)).toBeNull();
    expect(verificationSummary(result(null))).toBeNull();
  });
});
