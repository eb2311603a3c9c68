import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  request_id?: string;
  actor?: string;
  /** The API key behind the request (gateway): travels in the signed principal. */
  key_id?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function requestContext(): RequestContext | undefined {
  return storage.getStore();
}
