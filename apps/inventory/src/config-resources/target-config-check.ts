import { type FieldError, configFieldErrors, targetConfigSpec } from '@certctl/contracts';

/**
 * A target's `config` checked against its type's schema (the one the agent deploys with):
 * problems name `config.<field>`; a type no agent deploys to yet keeps a free-form config.
 * `config` is the plaintext (secrets opened), so a masked secret sent back is checked as stored.
 */
export function targetConfigProblems(type: string, config: Record<string, unknown>): FieldError[] {
  const spec = targetConfigSpec(type);
  if (!spec) return [];
  const parsed = spec.schema.safeParse(config);
  return parsed.success ? [] : configFieldErrors(parsed.error);
}
