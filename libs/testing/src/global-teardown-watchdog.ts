import type { ProjectConfig } from 'jest';
import { armExitWatchdog } from './exit-watchdog';

/** The global teardown of a tier with nothing of its own to stop: the exit watchdog (exit-watchdog.ts) only. */
export default function globalTeardown(_global: unknown, project: ProjectConfig): void {
  armExitWatchdog(project.displayName?.name ?? 'jest');
}
