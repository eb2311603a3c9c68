/**
 * The only error type thrown by this library for bad input or failed crypto.
 * Known codes: bad_pem, bad_key, unsupported_key, key_not_extractable, bad_csr,
 * bad_certificate, bad_san, invalid_request, invalid_issuer, issuer_expired,
 * invalid_key, decrypt_failed.
 */
export class PkiError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PkiError';
  }
}

/** Runs `fn`; any non-PkiError failure is rethrown as PkiError(code, message). */
export async function asPkiError<T>(code: string, message: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PkiError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new PkiError(code, `${message}: ${detail}`, { cause: err });
  }
}
