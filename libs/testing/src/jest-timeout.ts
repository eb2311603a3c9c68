import { traceTimers } from './exit-watchdog';

// Jest reads `testTimeout` only from the top-level configuration, not from a project's: each
// tier states its own in its project `globals` (CERTCTL_TEST_TIMEOUT_MS) and this applies it.
const timeout = (globalThis as { CERTCTL_TEST_TIMEOUT_MS?: number }).CERTCTL_TEST_TIMEOUT_MS;
if (timeout) jest.setTimeout(timeout);

// CERTCTL_TEST_EXIT_TRACE=1: the exit watchdog names where a timer left pending was created.
traceTimers();
