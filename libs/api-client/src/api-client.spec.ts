import { ApiClient } from './api-client';
import { ExitCode } from './errors';
import type { TransportRequest, TransportResponse } from './transport';

/** A fake gateway: answers by URL, records every request. */
function fakeServer(answer: (url: URL, req: TransportRequest) => TransportResponse) {
  const requests: TransportRequest[] = [];
  const transport = async (req: TransportRequest) => {
    requests.push(req);
    return answer(new URL(req.url), req);
  };
  return { requests, transport };
}

const ok = (doc: unknown): TransportResponse => ({ status: 200, contentType: 'application/json', text: JSON.stringify(doc) });

describe('ApiClient', () => {
  it('--all walks next_cursor until it ends, keeping the filters on every page', async () => {
    const pages: Record<string, unknown> = {
      '': { data: [{ id: 'a' }, { id: 'b' }], next_cursor: 'c1' },
      c1: { data: [{ id: 'c' }], next_cursor: 'c2' },
      c2: { data: [{ id: 'd' }], next_cursor: null },
    };
    const server = fakeServer((url) => ok(pages[url.searchParams.get('cursor') ?? '']));
    const client = new ApiClient({ server: 'http://gw:8080', transport: server.transport });
    const all = await client.list('/api/v1/certificates', { status: 'active', limit: 2 }, true);
    expect(all).toEqual({ data: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }], next_cursor: null });
    expect(server.requests.map((req) => new URL(req.url).search)).toEqual([
      '?status=active&limit=2',
      '?status=active&limit=2&cursor=c1',
      '?status=active&limit=2&cursor=c2',
    ]);
  });

  it('without --all: one page, its cursor kept for the next call', async () => {
    const server = fakeServer(() => ok({ data: [{ id: 'a' }], next_cursor: 'c1' }));
    const client = new ApiClient({ server: 'http://gw:8080', transport: server.transport });
    expect(await client.list('/api/v1/jobs', {}, false)).toEqual({ data: [{ id: 'a' }], next_cursor: 'c1' });
    expect(server.requests).toHaveLength(1);
  });

  it('a server that repeats a cursor is stopped, not followed forever', async () => {
    const server = fakeServer(() => ok({ data: [{ id: 'a' }], next_cursor: 'same' }));
    const client = new ApiClient({ server: 'http://gw:8080', transport: server.transport });
    await expect(client.list('/api/v1/jobs', {}, true)).rejects.toMatchObject({ exitCode: ExitCode.server });
    expect(server.requests).toHaveLength(2); // the first page and the page that repeated its cursor
  });

  it('sends the key as a bearer token and never writes it to the debug output', async () => {
    const key = 'ck_secret_value_that_must_not_leak_0123456789';
    const server = fakeServer(() => ok({ id: 'x' }));
    const debug: string[] = [];
    const client = new ApiClient({
      server: 'http://gw:8080/',
      apiKey: key,
      transport: server.transport,
      debug: (line) => debug.push(line),
    });
    await client.post('/api/v1/certificates/x/renew');
    expect(server.requests[0]).toMatchObject({ method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '{}' });
    expect(debug.join('\n')).toContain('POST http://gw:8080/api/v1/certificates/x/renew');
    expect(debug.join('\n')).not.toContain(key.slice(8));
  });

  it('a problem answer becomes a CliError with its line and exit status', async () => {
    const server = fakeServer(() => ({
      status: 404,
      contentType: 'application/problem+json',
      text: JSON.stringify({
        type: 'urn:certctl:error:not_found',
        title: 'Not found',
        status: 404,
        detail: 'certificate nope does not exist',
      }),
    }));
    const client = new ApiClient({ server: 'http://gw:8080', transport: server.transport });
    await expect(client.get('/api/v1/certificates/nope')).rejects.toMatchObject({
      message: 'Not found: certificate nope does not exist',
      exitCode: ExitCode.notFound,
    });
  });

  it('ids are path segments: no traversal into other routes', async () => {
    const server = fakeServer(() => ok({}));
    const client = new ApiClient({ server: 'http://gw:8080', transport: server.transport });
    await client.get(`/api/v1/jobs/${encodeURIComponent('../api-keys')}`);
    expect(new URL(server.requests[0].url).pathname).toBe('/api/v1/jobs/..%2Fapi-keys');
  });
});
