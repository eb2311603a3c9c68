import { AppError, type ErrorCode } from '@certctl/contracts';
import { PkiError, PkiErrorCode } from './errors';
import { CaImportError } from './import-ca';

/**
 * What each PkiError means for the caller: a problem with what was asked (validation_failed,
 * never worth retrying) or a fault of this server's own key material (internal).
 */
export const PKI_ERROR_APP_CODE: Readonly<Record<PkiErrorCode, ErrorCode>> = {
  [PkiErrorCode.BadPem]: 'validation_failed',
  [PkiErrorCode.BadKey]: 'validation_failed',
  [PkiErrorCode.UnsupportedKey]: 'validation_failed',
  [PkiErrorCode.KeyNotExtractable]: 'internal',
  [PkiErrorCode.BadCsr]: 'validation_failed',
  [PkiErrorCode.BadCertificate]: 'validation_failed',
  [PkiErrorCode.BadSan]: 'validation_failed',
  [PkiErrorCode.BadOcspRequest]: 'validation_failed',
  [PkiErrorCode.InvalidRequest]: 'validation_failed',
  [PkiErrorCode.BadNameConstraints]: 'validation_failed',
  [PkiErrorCode.InvalidIssuer]: 'validation_failed',
  [PkiErrorCode.IssuerExpired]: 'validation_failed',
  [PkiErrorCode.NameConstraintViolation]: 'validation_failed',
  [PkiErrorCode.ProfileViolation]: 'validation_failed',
  [PkiErrorCode.InvalidImport]: 'validation_failed',
  [PkiErrorCode.InvalidKey]: 'internal',
  [PkiErrorCode.DecryptFailed]: 'internal',
};

/** The codes that are about the name constraints a caller asked for. */
export function isNameConstraintsError(err: PkiError): boolean {
  return err.code === PkiErrorCode.BadNameConstraints || err.code === PkiErrorCode.NameConstraintViolation;
}

/** Where the caller wants a PkiError reported. */
export interface PkiErrorContext {
  /**
   * The request field the failure is about (a function picks one by the error); a CaImportError
   * names its own field. Without a field the AppError carries the message as its detail alone.
   */
  field?: string | ((err: PkiError) => string);
  /** Put before the message in the detail: "cannot sign" → "cannot sign: <message>". */
  detailPrefix?: string;
  /** The field message in the caller's spelling (e.g. its names for spec keys). */
  fieldMessage?: (message: string) => string;
  /** An AppError code that replaces the table's for the failures of this call (e.g. issuer_failure for a signer). */
  code?: ErrorCode;
}

/**
 * The one translation of a PkiError into the platform's AppError: its code by PKI_ERROR_APP_CODE
 * (or the caller's `code`), never retryable (the same input fails the same way), the field the
 * caller names, the PkiError as its cause.
 */
export function pkiErrorToAppError(err: PkiError, context: PkiErrorContext = {}): AppError {
  const code = context.code ?? PKI_ERROR_APP_CODE[err.code];
  const field = err instanceof CaImportError ? err.field : typeof context.field === 'function' ? context.field(err) : context.field;
  const detail = context.detailPrefix ? `${context.detailPrefix}: ${err.message}` : field ? 'The request has invalid fields.' : err.message;
  const fields =
    field && code === 'validation_failed' ? [{ field, message: context.fieldMessage?.(err.message) ?? err.message }] : undefined;
  return new AppError(code, detail, { retryable: false, ...(fields ? { fields } : {}), cause: err });
}

/** Runs `fn`; a PkiError becomes pkiErrorToAppError(err, context), anything else is rethrown as is. */
export async function translatePkiErrors<T>(fn: () => Promise<T>, context: PkiErrorContext = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PkiError) throw pkiErrorToAppError(err, context);
    throw err;
  }
}
