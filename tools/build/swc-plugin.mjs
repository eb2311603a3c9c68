// esbuild plugin: TypeScript through SWC so NestJS decorator metadata
// (emitDecoratorMetadata) survives bundling; esbuild alone drops it.
import { readFile } from 'node:fs/promises';
import { transform } from '@swc/core';

export function swcPlugin() {
  return {
    name: 'swc-decorators',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const source = await readFile(args.path, 'utf8');
        const out = await transform(source, {
          filename: args.path,
          sourceMaps: 'inline',
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2022',
            keepClassNames: true,
          },
          module: { type: 'es6' },
        });
        return { contents: out.code, loader: 'js' };
      });
    },
  };
}
