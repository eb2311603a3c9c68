import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@certctl/contracts';
import { sendProblem, toProblem } from '@certctl/platform';

/** Where `npm run web:build` writes the dashboard: dist/web beside dist/apps/gateway/main.js. */
export const DEFAULT_DASHBOARD_DIR = join(__dirname, '..', '..', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};
/** Paths the dashboard never answers: the API and the public edges keep their own 404s. */
const NOT_DASHBOARD = /^\/(api|acme|\.well-known|health|ready|metrics)(\/|$)/;
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const MISSING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>certctl dashboard not built</title></head>
<body><h1>The dashboard is not built</h1><p>This gateway found no <code>dist/web/index.html</code>.
Build it with <code>npm run web:build</code> (or <code>npm start</code>, which builds it), then reload this page.
The REST API under <code>/api/v1</code> works without it.</p></body></html>`;

/**
 * The web dashboard (apps/web, built into dist/web) at `/`: hashed assets under /assets cached
 * for a year, index.html never cached and answered for every other non-API GET (client routing).
 */
export function installDashboard(fastify: FastifyInstance, dir: string = DEFAULT_DASHBOARD_DIR): void {
  fastify.route({ method: 'GET', url: '/assets/:file', handler: (req, reply) => sendAsset(dir, req, reply) });
  fastify.route({ method: 'GET', url: '/', handler: (_req, reply) => sendIndex(dir, reply) });
  fastify.route({
    method: 'GET',
    url: '/*',
    handler: (req, reply) => {
      const path = req.url.split('?')[0];
      if (NOT_DASHBOARD.test(path)) return sendProblem(reply, toProblem(new AppError('not_found', `No route GET ${path}.`), req));
      return sendIndex(dir, reply);
    },
  });
}

async function sendIndex(dir: string, reply: FastifyReply): Promise<void> {
  const html = await readFile(join(dir, 'index.html')).catch(() => null);
  void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
  if (!html) return void reply.status(404).send(MISSING_PAGE);
  return void reply.send(html);
}

async function sendAsset(dir: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const file = (req.params as { file: string }).file;
  const type = CONTENT_TYPES[extname(file)];
  const body = ASSET_NAME.test(file) && type ? await readFile(join(dir, 'assets', file)).catch(() => null) : null;
  if (!body) return sendProblem(reply, toProblem(new AppError('not_found', `No dashboard asset ${JSON.stringify(file)}.`), req));
  return void reply.header('cache-control', IMMUTABLE).type(type).send(body);
}
