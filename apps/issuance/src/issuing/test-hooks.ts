import { getLogger } from '@certctl/observability';

/**
 * TEST HOOK, honoured only with NODE_ENV=test: when CERTCTL_TEST_CRASH_AFTER_SIGN names the
 * common name being issued, the issuance process SIGKILLs itself right after the signed
 * certificate is recorded in issued_certificates and before the job is completed or the
 * queue entry acknowledged — the worst moment for a crash. The kill-mid-job e2e test uses it
 * to prove that the redelivered job reuses the first certificate and never signs a second.
 */
export function crashAfterSignForTest(commonName: string, env: NodeJS.ProcessEnv = process.env): void {
  const target = env.CERTCTL_TEST_CRASH_AFTER_SIGN;
  if (!target || env.NODE_ENV !== 'test' || target !== commonName) return;
  getLogger().warn({ common_name: commonName }, 'test hook CERTCTL_TEST_CRASH_AFTER_SIGN: killing this process after signing');
  process.kill(process.pid, 'SIGKILL');
}
