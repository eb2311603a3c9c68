import { AppError, idSchema } from '@certctl/contracts';

/** A path id, checked before it goes anywhere: 422 naming the parameter when malformed. */
export function idParam(value: string, name = 'id'): string {
  const parsed = idSchema.safeParse(value);
  if (!parsed.success) throw AppError.validation([{ field: `path.${name}`, message: parsed.error.issues[0]?.message ?? 'invalid id' }]);
  return parsed.data;
}
