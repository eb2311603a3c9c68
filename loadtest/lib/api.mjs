/* global fetch, AbortSignal */
// Small REST client for scenario setup, with the same error hints as the runner.

export class LoadtestError extends Error {
  constructor(message, hint) {
    super(message);
    this.name = 'LoadtestError';
    this.hint = hint;
  }
}

/** A human hint for an HTTP status the gateway answered with. */
export function hintForStatus(status) {
  if (status === 401) return 'check the API key (--key, CERTCTL_API_KEY, or the admin-api-key file written by npm start)';
  if (status === 403) return 'the API key is valid but its role may not do this; use an admin key';
  if (status === 404) return 'no such route: check --url (it should be the gateway base URL, without /api/v1)';
  if (status === 413) return 'request body too large for CERTCTL_MAX_BODY_BYTES';
  if (status === 422) return 'the gateway rejected the request body; the scenario is out of date with the API';
  if (status === 429) return 'rate limited: lower --connections';
  if (status === 503) return 'a service behind the gateway is unavailable or not ready: check /ready of each service and .local/logs/';
  if (status === 504) return 'a service behind the gateway did not answer in time: the stack is overloaded or stuck; see .local/logs/';
  if (status >= 500) return 'server error: see the gateway and inventory logs under .local/logs/';
  return undefined;
}

/** A human hint for a socket-level error (fetch cause or autocannon error). */
export function hintForError(err, url) {
  const code = err?.cause?.code ?? err?.code;
  if (code === 'ECONNREFUSED') return `connection refused at ${url}: is the platform running? npm start`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve the host of ${url}: check --url`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the server closed connections: is it restarting or overloaded? see .local/logs/';
  if (err?.name === 'TimeoutError' || /timed out/i.test(String(err?.message))) {
    return 'requests timed out: the stack is overloaded or stuck; lower --connections, see .local/logs/';
  }
  return undefined;
}

/** Creates `api(method, path, body?)` bound to a gateway URL and API key. */
export function createApi(baseUrl, key) {
  return async function api(method, path, body) {
    const headers = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(new URL(path, baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30000),
      });
    } catch (err) {
      throw new LoadtestError(`${method} ${path} failed: ${err.cause?.message ?? err.message}`, hintForError(err, baseUrl));
    }
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.status < 200 || res.status > 299) {
      const detail = json?.detail ? ` (${String(json.detail).replace(/\.$/, '')})` : '';
      throw new LoadtestError(`${method} ${path} answered ${res.status}${detail}`, hintForStatus(res.status));
    }
    return json;
  };
}
