import { z } from 'zod';

export const MAX_PAGE = 500;

/** `limit` (1–500, default 50) and an opaque `cursor` from the previous page's next_cursor. */
export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().max(512).optional(),
});

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
