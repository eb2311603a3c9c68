import { type Server, createServer } from 'node:http';
import { getLogger, registry } from '@certctl/observability';
import { serveTestClock } from '@certctl/platform';

/**
 * The gateway's Prometheus endpoint on its own port: the public listeners (HTTP and HTTPS)
 * answer /metrics with 404, so a client of the API never reads the platform's internals.
 * Scrape configs and ServiceMonitors point at this port (docs/security.md).
 */
export function startMetricsListener(host: string, port: number): Promise<Server | null> {
  if (!port) return Promise.resolve(null);
  const server = createServer((req, res) => {
    if (serveTestClock(req, res)) return; // test bundles under NODE_ENV=test only (libs/platform test hooks)
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        getLogger().error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      getLogger().info({ host, port }, 'metrics listener ready');
      resolve(server);
    });
  });
}
