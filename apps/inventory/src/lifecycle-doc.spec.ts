import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLifecycleDoc } from './lifecycle-doc';

describe('docs/lifecycle.md', () => {
  it('matches the transition tables in code (run `npm run docs:api` after changing them)', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'lifecycle.md'), 'utf8')).toBe(renderLifecycleDoc());
  });
});
