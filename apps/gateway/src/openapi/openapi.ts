import { z } from 'zod';
import { PERMISSIONS, ROLES, roleAllows } from '@certctl/contracts';
import { type RouteInfo, describeRoutes } from '../http/endpoint';
import { DOCUMENTED_CONTROLLERS } from '../controllers';

type Json = Record<string, unknown>;

/** Recursive schemas found while building, hoisted into components.schemas. */
let recursive: Record<string, Json> = {};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output', name = 'Schema'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  const tidied = tidy(out) as Json;
  const text = JSON.stringify(tidied);
  if (!text.includes('"$ref":"#"')) return tidied;
  // A self-referencing schema ("$ref": "#") means nothing inside an OpenAPI document: name it.
  const ref = `#/components/schemas/${name}`;
  recursive[name] = JSON.parse(text.replaceAll('"$ref":"#"', `"$ref":${JSON.stringify(ref)}`)) as Json;
  return { $ref: ref };
}

/** `format: date-time` says it all; zod's long equivalent regex only bloats the document. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const o = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'pattern' && o.format === 'date-time') continue;
    out[k] = tidy(v);
  }
  return out;
}

const problemSchema: Json = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:certctl:error:<code>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const ERROR_TEXT: Record<number, string> = {
  401: 'No API key, or an unknown, disabled or expired one',
  403: 'The key’s role lacks the permission this route needs',
  404: 'No such resource',
  409: 'Conflicts with the current state',
  410: 'The agent was retired (problem type agent_retired): the agent should stop',
  413: 'Request body larger than the limit',
  422: 'Invalid body, query or path parameter (each bad field named)',
  429: 'Rate limit exceeded (see Retry-After)',
  503: 'A service this route needs is unavailable',
  504: 'A service this route needs did not answer in time',
};

/** The path parameters (from the route) and query parameters (from its declared query schema). */
function parametersOf(r: RouteInfo): Json[] {
  const spec = r.spec;
  const params: Json[] = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 128 },
  }));
  if (spec?.query) {
    const q = jsonSchema(spec.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema as Json & { description?: string };
      params.push({
        name,
        in: 'query',
        required: q.required?.includes(name) ?? false,
        schema: rest,
        ...(description ? { description } : {}),
      });
    }
  }
  return params;
}

/** The success answer and, on protected routes, the problem answers the route can give. */
function responsesOf(r: RouteInfo, hasParams: boolean): Json {
  const spec = r.spec;
  const status = String(spec?.status ?? 200);
  const responses: Json = {
    [status]:
      status === '204'
        ? { description: 'Done; no content' }
        : {
            description: 'Success',
            ...(spec?.produces ? { content: { [spec.produces]: { schema: { type: 'string' } } } } : {}),
            ...(spec?.response
              ? {
                  content: {
                    'application/json': {
                      schema: jsonSchema(spec.response, 'output', `${r.controller.replace(/Controller$/, '')}_${r.handler}_response`),
                    },
                  },
                }
              : {}),
          },
  };
  if (!r.public) {
    const codes = new Set([401, 403, 429, 503, 504, ...(spec?.errors ?? [])]);
    if (spec?.body || spec?.query || hasParams) codes.add(422);
    if (spec?.body) codes.add(413);
    if (spec?.agentParam) codes.add(410);
    for (const c of [...codes].sort()) responses[String(c)] = { $ref: `#/components/responses/Problem${c}` };
  }
  return responses;
}

function operation(r: RouteInfo): Json {
  const spec = r.spec;
  const params = parametersOf(r);
  const responses = responsesOf(r, params.length > 0);
  return {
    operationId: `${r.controller.replace(/Controller$/, '')}_${r.handler}`,
    summary: spec?.summary ?? (r.public ? `${r.method} ${r.path} (public)` : ''),
    tags: [spec?.tag ?? 'system'],
    ...(r.public
      ? { security: [] }
      : {
          'x-certctl-permission': spec!.permission,
          'x-certctl-roles': ROLES.filter((role) => roleAllows(role, spec!.permission)),
          ...(spec!.agentParam ? { 'x-certctl-agent-param': spec!.agentParam } : {}),
        }),
    ...(params.length ? { parameters: params } : {}),
    ...(spec?.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the gateway, generated from the routes' own declarations. */
export function buildOpenApi(version = '0.1.0'): Json {
  recursive = {};
  const paths: Record<string, Json> = {};
  for (const r of describeRoutes(DOCUMENTED_CONTROLLERS)) {
    (paths[r.openApiPath] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'certctl API',
      version,
      description:
        'REST API of the certctl certificate lifecycle platform. Authenticate with a named API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`. Errors are RFC 9457 `application/problem+json`. Lists are cursor-paginated (`limit`, `cursor` → `next_cursor`).',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    tags: [...new Set(Object.values(paths).flatMap((p) => Object.values(p).flatMap((o) => (o as { tags: string[] }).tags)))]
      .sort()
      .map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'A named API key' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { Problem: problemSchema, ...recursive },
      responses: Object.fromEntries(
        Object.entries(ERROR_TEXT).map(([code, description]) => [
          `Problem${code}`,
          { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        ]),
      ),
    },
  };
}

/** docs/rbac.md: every route × role, from the same declarations the guard enforces. */
export function renderRbacMatrix(): string {
  const routes = describeRoutes(DOCUMENTED_CONTROLLERS);
  const lines = [
    '# Roles and permissions',
    '',
    'Generated from the gateway’s route declarations by `npm run docs:api`; a unit test fails when this file and the code disagree.',
    '',
    'Every REST route declares exactly one permission; a route without one stops the gateway from starting. ',
    '`agent` keys may additionally act only for their own agent id. Public routes need no key.',
    '',
    '## Permissions by role',
    '',
    `| permission | ${ROLES.join(' | ')} |`,
    `|---|${ROLES.map(() => ':-:').join('|')}|`,
    ...PERMISSIONS.map((p) => `| \`${p}\` | ${ROLES.map((r) => (roleAllows(r, p) ? '✓' : '')).join(' | ')} |`),
    '',
    '## Routes',
    '',
    `| method | path | permission | ${ROLES.join(' | ')} |`,
    `|---|---|---|${ROLES.map(() => ':-:').join('|')}|`,
    ...routes.map((r) =>
      r.public
        ? `| ${r.method} | \`${r.path}\` | public | ${ROLES.map(() => '✓').join(' | ')} |`
        : `| ${r.method} | \`${r.path}\` | \`${r.spec!.permission}\` | ${ROLES.map((role) => (roleAllows(role, r.spec!.permission) ? '✓' : '')).join(' | ')} |`,
    ),
    '',
    'Also public (forwarded to their owning services, not API-key authenticated): `/acme/*` (JWS-authenticated, RFC 8555) and `/.well-known/*` (CRL and OCSP).',
    '',
  ];
  return lines.join('\n');
}
