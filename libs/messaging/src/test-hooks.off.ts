/**
 * The production stand-in for test-hooks.ts: same exports, no effect. tools/build resolves
 * `./test-hooks` to this file unless the build sets CERTCTL_BUILD_TEST_HOOKS=1 (the e2e global
 * setup does), so the crash hook is not in a production bundle at all.
 */
export function crashBeforeOutboxPublishForTest(_subjects: readonly string[], _env: NodeJS.ProcessEnv = process.env): void {}
