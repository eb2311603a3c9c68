import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { installDashboard } from './dashboard';

describe('the dashboard at /', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certctl-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-AbC123.css'), 'body{}');
    app = Fastify();
    installDashboard(app, dir);
    app.get('/api/v1/version', async () => ({ name: 'certctl-ts' }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / uncached', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('id="root"');
  });

  it('serves hashed assets with their content type, cached for a year', async () => {
    const js = await app.inject({ url: '/assets/index-AbC123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await app.inject({ url: '/assets/index-AbC123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers a missing or unsafe asset with a problem, not index.html', async () => {
    for (const url of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/index.exe']) {
      const res = await app.inject({ url });
      expect({ url, status: res.statusCode, type: res.headers['content-type'] }).toEqual({
        url,
        status: 404,
        type: expect.stringContaining('application/problem+json'),
      });
    }
  });

  it('falls back to index.html for client routes, never for API or public-edge paths', async () => {
    const page = await app.inject({ url: '/certificates/cert-1?tab=pem' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="root"');
    for (const url of ['/api/v1/nope', '/api', '/acme/x', '/.well-known/x', '/health/x', '/metrics']) {
      const res = await app.inject({ url });
      expect({ url, status: res.statusCode, type: res.headers['content-type'] }).toEqual({
        url,
        status: 404,
        type: expect.stringContaining('application/problem+json'),
      });
    }
    expect((await app.inject({ url: '/api/v1/version' })).json()).toEqual({ name: 'certctl-ts' });
  });

  it('explains how to build the dashboard when dist/web is missing', async () => {
    const bare = Fastify();
    installDashboard(bare, join(dir, 'does-not-exist'));
    const res = await bare.inject({ url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('npm run web:build');
    await bare.close();
  });
});
