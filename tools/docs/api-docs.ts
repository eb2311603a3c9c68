// Writes docs/openapi.json, docs/rbac.md and docs/lifecycle.md from the gateway's route declarations.
// Usage: npm run docs:api        (a unit test fails when the committed files are stale)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { buildOpenApi, renderRbacMatrix } from '../../apps/gateway/src/openapi/openapi';
import { renderLifecycleDocs } from './lifecycle-doc';

writeFileSync(join(ROOT, 'docs', 'openapi.json'), JSON.stringify(buildOpenApi(), null, 2) + '\n');
writeFileSync(join(ROOT, 'docs', 'rbac.md'), renderRbacMatrix());
writeFileSync(join(ROOT, 'docs', 'lifecycle.md'), renderLifecycleDocs());
console.log('[docs] wrote docs/openapi.json, docs/rbac.md and docs/lifecycle.md');
