import type { FieldError } from './errors';

/** Deepest nesting of objects and arrays accepted in a request (body, query, params). */
export const MAX_INPUT_DEPTH = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Why a string cannot be stored as text (PostgreSQL refuses NUL; UTF-8 has no lone surrogates), or null. */
export function textHazard(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (no unpaired surrogates)';
  return null;
}

/** A problem found in untrusted input; tooDeep: the structure itself is refused (400), not a field (422). */
export interface InputHazard extends FieldError {
  tooDeep?: true;
}

/**
 * The one rule every edge applies to untrusted input before any schema sees it: no string
 * (key or value) holds NUL or an unpaired surrogate, and nesting stays within maxDepth.
 * Iterative, so a hostile depth cannot overflow the stack. Returns the first problem
 * (field named by its path under `where`) or null.
 */
export function findInputHazard(value: unknown, where: string, maxDepth = MAX_INPUT_DEPTH): InputHazard | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: where, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const why = textHazard(v);
      if (why) return { field: path, message: why };
      continue;
    }
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (depth >= maxDepth) return { field: path, message: `nests deeper than ${maxDepth} levels`, tooDeep: true };
    for (const [k, child] of Object.entries(v)) {
      const why = textHazard(k);
      if (why) return { field: path, message: `has a key that ${why}` };
      stack.push({ v: child, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return null;
}

/** A string safe to store and log: NUL and C0 controls except tab/newline escaped, lone surrogates replaced, cut to max. */
export function sanitizeText(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  let out = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (out.length > max) out = `${out.slice(0, Math.max(0, max - 1))}…`;
  return out.replace(LONE_SURROGATES, '\ufffd');
}
