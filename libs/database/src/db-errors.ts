import { Prisma } from './generated/client';

/**
 * The database errors a repository translates into its domain's AppError. Repositories are the
 * only code that looks at these codes; services see AppError only.
 */
export const DbErrorCode = {
  /** A unique index refused the row. */
  UniqueViolation: 'P2002',
  /** A foreign key refused the row. */
  ForeignKeyViolation: 'P2003',
  /** update/delete by a key found no row. */
  RecordNotFound: 'P2025',
  /** A serializable transaction lost to a concurrent one. */
  SerializationFailure: 'P2034',
} as const;
export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode];

/** True when `err` is the database error `code` (see DbErrorCode). */
export function isDbError(err: unknown, code: DbErrorCode): err is Prisma.PrismaClientKnownRequestError {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === code;
}

export const isUniqueViolation = (err: unknown): err is Prisma.PrismaClientKnownRequestError => isDbError(err, DbErrorCode.UniqueViolation);
export const isRecordNotFound = (err: unknown): err is Prisma.PrismaClientKnownRequestError => isDbError(err, DbErrorCode.RecordNotFound);

/** How a repository names the database errors one write can meet; any other error propagates unchanged. */
export type DbErrorMap = Partial<Record<DbErrorCode, (err: Prisma.PrismaClientKnownRequestError) => Error>>;

/** Runs one database operation and throws the mapped error for the codes `map` names. */
export async function translateDbErrors<T>(operation: () => Promise<T>, map: DbErrorMap): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError) {
      const mapped = map[err.code as DbErrorCode];
      if (mapped) throw mapped(err);
    }
    throw err;
  }
}
