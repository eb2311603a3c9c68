// Kubernetes OpenAPI v2 (api/openapi-spec/swagger.json of the k8s.io/kubernetes module) →
// one strict, self-contained JSON schema per kind, named as kubeconform looks them up:
// <kind>-<group's first label>-<version>.json (core group: <kind>-<version>.json).
//   node tools/deploy/openapi-to-jsonschema.mjs <swagger.json> <out dir>
// Strict: objects that list their properties refuse any other (a misspelt field fails), as
// kubeconform's -strict schemas do. int-or-string and Quantity accept a string or a number.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [specFile, outDir] = process.argv.slice(2);
if (!specFile || !outDir) {
  console.error('usage: openapi-to-jsonschema.mjs <swagger.json> <out dir>');
  process.exit(2);
}
const { definitions } = JSON.parse(readFileSync(specFile, 'utf8'));

function transform(node) {
  if (Array.isArray(node)) return node.map(transform);
  if (!node || typeof node !== 'object') return node;
  if (node.format === 'int-or-string') return { description: node.description, oneOf: [{ type: 'string' }, { type: 'integer' }] };
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-')) continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, transform(s)])) : transform(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const converted = {};
for (const [name, def] of Object.entries(definitions)) {
  converted[name] = name === QUANTITY ? { description: def.description, oneOf: [{ type: 'string' }, { type: 'number' }] } : transform(def);
}

function refsOf(node, acc) {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, acc));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
        const name = v.slice('#/definitions/'.length);
        if (!acc.has(name)) {
          acc.add(name);
          refsOf(converted[name], acc);
        }
      } else refsOf(v, acc);
    }
  }
  return acc;
}

mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [name, def] of Object.entries(definitions)) {
  const gvks = def['x-kubernetes-group-version-kind'];
  if (!Array.isArray(gvks) || gvks.length !== 1) continue; // shared types (DeleteOptions, WatchEvent) are no resources
  const [{ group, version, kind }] = gvks;
  const apiVersion = group ? `${group}/${version}` : version;
  const root = JSON.parse(JSON.stringify(converted[name]));
  root.properties.apiVersion = { type: 'string', enum: [apiVersion] };
  root.properties.kind = { type: 'string', enum: [kind] };
  root.required = [...new Set([...(root.required ?? []), 'apiVersion', 'kind'])];
  const deps = [...refsOf(root, new Set())].sort();
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...root,
    definitions: Object.fromEntries(deps.map((d) => [d, converted[d]])),
  };
  const file = `${kind.toLowerCase()}${group ? `-${group.split('.')[0].toLowerCase()}` : ''}-${version.toLowerCase()}.json`;
  writeFileSync(join(outDir, file), JSON.stringify(schema));
  count++;
}
console.error(`[deploy-tools] ${count} schemas in ${outDir}`);
