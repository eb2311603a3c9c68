// Writes docs/openapi.json, docs/rbac.md and docs/lifecycle.md from the gateway's route declarations,
// and the generated sections of docs/architecture.md (service × subject, service × table).
// Usage: npm run docs:api        (a unit test fails when the committed files are stale)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ROOT } from '@certctl/testing';
import { renderArchitectureDoc } from './architecture-matrix';
import { buildOpenApi, renderRbacMatrix } from '../../apps/gateway/src/openapi/openapi';
import { renderLifecycleDocs } from './lifecycle-doc';

writeFileSync(join(ROOT, 'docs', 'openapi.json'), JSON.stringify(buildOpenApi(), null, 2) + '\n');
writeFileSync(join(ROOT, 'docs', 'rbac.md'), renderRbacMatrix());
writeFileSync(join(ROOT, 'docs', 'lifecycle.md'), renderLifecycleDocs());
const architecture = join(ROOT, 'docs', 'architecture.md');
void resolveConfig(architecture)
  .then((config) => format(renderArchitectureDoc(ROOT), { ...config, filepath: architecture }))
  .then((page) => {
    writeFileSync(architecture, page);
    console.log('[docs] wrote docs/openapi.json, docs/rbac.md, docs/lifecycle.md and the generated sections of docs/architecture.md');
  });
