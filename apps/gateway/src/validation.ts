import type { z } from 'zod';
import { AppError, fieldErrorsFromZod } from '@certctl/contracts';

/** Parses a request body or query against its schema; every bad field is named in the 422. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: 'body' | 'query' = 'body'): z.output<S> {
  if (what === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new AppError('validation_failed', 'The request body must be a JSON object.');
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw AppError.validation(fieldErrorsFromZod(parsed.error));
  return parsed.data;
}
