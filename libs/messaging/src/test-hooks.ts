import { getLogger } from '@certctl/observability';

/**
 * TEST HOOK, honoured only with NODE_ENV=test: when CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH
 * names the subject of an outbox row the relay is about to publish, the process SIGKILLs itself
 * there: the event's transaction has committed, nothing is published yet. The outbox e2e test
 * uses it to prove that the restarted service publishes the event, and its effect comes once.
 */
export function crashBeforeOutboxPublishForTest(subjects: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const target = env.CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH;
  if (!target || env.NODE_ENV !== 'test' || !subjects.includes(target)) return;
  getLogger().warn({ subject: target }, 'test hook CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH: killing this process before publishing');
  process.kill(process.pid, 'SIGKILL');
}
