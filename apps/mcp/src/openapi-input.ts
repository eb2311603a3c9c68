import type { ToolSpec } from './tools';

/** A JSON Schema object (as docs/openapi.json writes them: OpenAPI 3.1 is JSON Schema). */
export type JsonSchema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Partial<Record<string, Operation>>>;
  components?: Record<string, Record<string, unknown>>;
}

/** A tool's input: its JSON schema and where each argument goes in the request. */
export interface ToolInput {
  inputSchema: JsonSchema & { type: 'object'; properties: Record<string, JsonSchema> };
  pathParams: string[];
  queryParams: string[];
  /** The body's own fields, taken from the arguments; `'body'` when the body is not a plain object (one `body` argument). */
  bodyFields: string[] | 'body' | null;
}

/** `schema` with every `$ref` into the document's components replaced by what it points at. */
export function inlineRefs(schema: unknown, doc: OpenApiDocument, seen: readonly string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inlineRefs(item, doc, seen));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) return {}; // a recursive shape: left open rather than infinite
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
    if (target === undefined) throw new Error(`docs/openapi.json: unresolved ${ref}`);
    return inlineRefs(target, doc, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, inlineRefs(value, doc, seen)]));
}

/**
 * The input of a tool, read from the OpenAPI document: path and query parameters become
 * arguments with their own schemas, and so do the fields of a JSON object body (its
 * `required` list kept). A name used twice is a mistake in the tool list, refused here.
 */
export function toolInput(spec: ToolSpec, doc: OpenApiDocument): ToolInput {
  const operation = doc.paths[spec.path]?.[spec.method.toLowerCase()];
  if (!operation) throw new Error(`docs/openapi.json has no ${spec.method} ${spec.path} (tool ${spec.name})`);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const add = (name: string, schema: JsonSchema, isRequired: boolean) => {
    if (properties[name]) throw new Error(`tool ${spec.name}: argument ${name} is both a parameter and a body field`);
    properties[name] = schema;
    if (isRequired) required.push(name);
  };
  const params = (operation.parameters ?? []).map((param) => inlineRefs(param, doc) as Parameter);
  for (const param of params.filter((one) => one.in === 'path' || one.in === 'query')) {
    add(
      param.name,
      { ...(param.schema ?? { type: 'string' }), ...(param.description ? { description: param.description } : {}) },
      param.in === 'path' || Boolean(param.required),
    );
  }
  let bodyFields: ToolInput['bodyFields'] = null;
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  if (bodySchema) {
    const body = inlineRefs(bodySchema, doc) as JsonSchema & { properties?: Record<string, JsonSchema>; required?: string[] };
    if (body.type === 'object' && body.properties) {
      for (const [name, schema] of Object.entries(body.properties)) add(name, schema, (body.required ?? []).includes(name));
      bodyFields = Object.keys(body.properties);
    } else {
      add('body', body, Boolean(operation.requestBody?.required));
      bodyFields = 'body';
    }
  }
  return {
    inputSchema: { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false },
    pathParams: params.filter((param) => param.in === 'path').map((param) => param.name),
    queryParams: params.filter((param) => param.in === 'query').map((param) => param.name),
    bodyFields,
  };
}
