// esbuild plugin: test hooks are compiled out of the bundles unless the build asks for them.
// A module imported as `./test-hooks` (e.g. apps/issuance/src/issuing/test-hooks.ts, the crash
// hook of the kill-mid-job test) resolves to its sibling `test-hooks.off.ts` (same exports, no
// effect) unless CERTCTL_BUILD_TEST_HOOKS=1: production bundles carry no code that could kill
// the process, whatever NODE_ENV or the environment says. The e2e global setup builds with it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const testHooksEnabled = (env = process.env) => env.CERTCTL_BUILD_TEST_HOOKS === '1';

export function testHooksPlugin(enabled) {
  return {
    name: 'test-hooks',
    setup(build) {
      if (enabled) return;
      build.onResolve({ filter: /(^|\/)test-hooks$/ }, (args) => {
        const off = join(args.resolveDir, `${args.path}.off.ts`);
        if (!existsSync(off)) return { errors: [{ text: `${args.path} has no ${args.path}.off.ts stand-in for production builds` }] };
        return { path: off };
      });
    },
  };
}
