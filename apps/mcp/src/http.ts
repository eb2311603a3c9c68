import { type IncomingMessage, type Server as HttpServer, createServer } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const MAX_BODY = 1024 * 1024;

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('request body over 1 MiB'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
      } catch {
        reject(new Error('the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * Streamable HTTP on 127.0.0.1:`port` at /mcp, stateless (a fresh server per request, no
 * session), with the Host header checked against loopback names so a web page cannot reach it
 * through DNS rebinding. The API key is the server's own: anyone who reaches the port acts with it.
 */
export function serveHttp(port: number, newServer: () => Server, log: (line: string) => void): Promise<HttpServer> {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const http = createServer((req, res) => {
    void (async () => {
      if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/mcp') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('certctl-mcp serves /mcp\n');
        return;
      }
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableDnsRebindingProtection: true,
        allowedHosts,
      });
      const server = newServer();
      res.on('close', () => void transport.close().then(() => server.close()));
      try {
        await server.connect(transport);
        await transport.handleRequest(req, res, req.method === 'POST' ? await readJson(req) : undefined);
      } catch (err) {
        log(`certctl-mcp: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      }
    })();
  });
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve(http));
  });
}
