import { z } from 'zod';
import { type FieldError, fieldErrorsFromZod } from './errors';

/**
 * The JSON Schema (draft 2020-12) of a `config` from the zod schema that validates it: what a
 * caller may send, defaults included (`io: 'input'`); checks JSON Schema cannot state (refinements,
 * paths on the host) are left to the 422. Secret fields are marked `writeOnly`. Used by
 * GET /api/v1/issuer-types and GET /api/v1/target-types, which the dashboard renders forms from.
 */
export function configJsonSchema(schema: z.ZodType, secretFields: readonly string[]): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const field of secretFields) if (properties[field]) properties[field] = { ...properties[field], writeOnly: true };
  return json;
}

/** A refused `config` as 422 field errors naming `config.<field>` (`config` itself for the whole object). */
export function configFieldErrors(error: z.ZodError): FieldError[] {
  return fieldErrorsFromZod(error).map((fieldError) => ({
    ...fieldError,
    field: fieldError.field === '(body)' ? 'config' : `config.${fieldError.field}`,
  }));
}
