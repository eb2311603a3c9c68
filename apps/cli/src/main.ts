#!/usr/bin/env node
import { run } from './program';

// `certctl`: the command-line client of the gateway's REST API (docs/cli.md).
void run(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
}).then((code) => {
  process.exitCode = code;
});
