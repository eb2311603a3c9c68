import type { ApiClient, Query } from '@certctl/api-client';
import type { ToolInput } from './openapi-input';
import type { ToolSpec } from './tools';

/** An argument the tool does not take or a missing required one: answered as a tool error, nothing sent. */
export class ArgumentError extends Error {}

/** The request a tool call makes: path parameters filled in (encoded), query and body from the other arguments. */
export function toolRequest(spec: ToolSpec, input: ToolInput, args: Record<string, unknown>) {
  const known = Object.keys(input.inputSchema.properties);
  const unknown = Object.keys(args).filter((name) => !known.includes(name));
  if (unknown.length)
    throw new ArgumentError(`${spec.name} takes no argument ${unknown.join(', ')} (it takes: ${known.join(', ') || 'none'})`);
  const missing = ((input.inputSchema.required as string[] | undefined) ?? []).filter((name) => args[name] === undefined);
  if (missing.length) throw new ArgumentError(`${spec.name} needs ${missing.join(', ')}`);
  let path = spec.path;
  for (const name of input.pathParams) {
    if (typeof args[name] !== 'string' || !args[name]) throw new ArgumentError(`${spec.name}: ${name} must be a non-empty string`);
    path = path.replace(`{${name}}`, encodeURIComponent(args[name] as string));
  }
  const query: Query = {};
  for (const name of input.queryParams) {
    const value = args[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') throw new ArgumentError(`${spec.name}: ${name} must be a string, a number or a boolean`);
    query[name] = String(value);
  }
  let body: unknown;
  if (input.bodyFields === 'body') body = args.body;
  else if (input.bodyFields)
    body = Object.fromEntries(input.bodyFields.filter((name) => args[name] !== undefined).map((name) => [name, args[name]]));
  return { path, query, body };
}

/** Runs one tool against the API: the answer document (or the problem as an error). */
export async function callTool(client: ApiClient, spec: ToolSpec, input: ToolInput, args: Record<string, unknown>): Promise<unknown> {
  const { path, query, body } = toolRequest(spec, input, args);
  return spec.method === 'GET' ? client.get(path, query) : client.request('POST', path, { query, body: body ?? {} });
}
