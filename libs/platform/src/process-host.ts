// The single-process mode (tools/single-process.ts): the seven service bundles loaded into one
// Node process for small installs. Each bundle carries its own copy of this library, so they find
// the host through a global symbol, not a module export. Without a host (the normal case: one
// service per process) nothing here applies.

/** What a service tells the process it runs in when that process hosts several services. */
export interface ProcessHost {
  /** The service listens; `stop` is its graceful shutdown (without exiting the process). */
  started(service: string, stop: (signal: string) => Promise<void>): void;
}

const HOST = Symbol.for('certctl.process-host');

/** The host of this process, when it runs several services; undefined when it runs one. */
export function processHost(): ProcessHost | undefined {
  return (globalThis as { [HOST]?: ProcessHost })[HOST];
}

/** Makes `host` the host of this process (single-process mode only; before any service bundle loads). */
export function setProcessHost(host: ProcessHost | undefined): void {
  (globalThis as { [HOST]?: ProcessHost })[HOST] = host;
}
