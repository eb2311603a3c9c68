import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError } from '@certctl/contracts';
import { Public } from '@certctl/platform';
import { buildOpenApi } from './openapi';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>certctl API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui', deepLinking: true, persistAuthorization: false });`;

let cached: string | undefined;

/** The generated OpenAPI 3.1 document and an interactive explorer (Swagger UI served locally, no CDN). */
@Public()
@Controller('api')
export class OpenApiController {
  @Get('openapi.json')
  @Header('content-type', 'application/json; charset=utf-8')
  openapi(): string {
    cached ??= JSON.stringify(buildOpenApi(process.env.CERTCTL_VERSION ?? '0.1.0'));
    return cached;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return PAGE;
  }

  @Get('docs/init.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  init(): string {
    return INIT;
  }

  @Get('docs/assets/:file')
  @Header('cache-control', 'public, max-age=86400')
  async asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    if (!Object.hasOwn(ASSETS, file)) throw new AppError('not_found', 'No such file.');
    void reply.header('content-type', ASSETS[file]);
    const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
    return readFile(join(dir, file));
  }
}
