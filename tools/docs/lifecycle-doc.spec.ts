import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { renderLifecycleDocs, stateDiagram } from './lifecycle-doc';

describe('docs/lifecycle.md', () => {
  it('matches the transition tables in code (run `npm run docs:api` after changing them)', () => {
    expect(readFileSync(join(ROOT, 'docs', 'lifecycle.md'), 'utf8')).toBe(renderLifecycleDocs());
  });

  it('ok/a state diagram has one edge per allowed transition and ends the final statuses', () => {
    expect(stateDiagram({ a: ['b'], b: [] }, ['a'])).toEqual([
      '```mermaid',
      'stateDiagram-v2',
      '  [*] --> a',
      '  a --> b',
      '  b --> [*]',
      '```',
      '',
    ]);
  });
});
