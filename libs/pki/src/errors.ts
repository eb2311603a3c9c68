/**
 * Why this library refused: the closed set of PkiError codes. Callers translate a PkiError
 * with `pkiErrorToAppError` (app-error.ts), never by reading its message.
 */
export const PkiErrorCode = {
  /** Text that is not a well-formed PEM block (or not the expected label). */
  BadPem: 'bad_pem',
  /** A key that cannot be read or is of the wrong kind (public where private is needed, …). */
  BadKey: 'bad_key',
  /** A well-formed key of an algorithm or size this library does not sign with. */
  UnsupportedKey: 'unsupported_key',
  /** A private key that WebCrypto will not export. */
  KeyNotExtractable: 'key_not_extractable',
  /** A PKCS#10 request that does not parse. */
  BadCsr: 'bad_csr',
  /** A certificate that does not parse (or carries an extension that does not). */
  BadCertificate: 'bad_certificate',
  /** A subject alternative name that is none of DNS, IP, e-mail or URI. */
  BadSan: 'bad_san',
  /** An OCSP request that is not a well-formed OCSPRequest. */
  BadOcspRequest: 'bad_ocsp_request',
  /** A request field out of range (validity, path length, common name, URL, CRL entry, …). */
  InvalidRequest: 'invalid_request',
  /** A name-constraints spec with an entry that is not a DNS name, CIDR block or e-mail form. */
  BadNameConstraints: 'bad_name_constraints',
  /** The issuing CA cannot sign this (not a CA, path length exhausted, key does not match). */
  InvalidIssuer: 'invalid_issuer',
  /** The issuing CA's certificate has expired. */
  IssuerExpired: 'issuer_expired',
  /** A name outside the CA path's name constraints (or subtrees wider than the parent's). */
  NameConstraintViolation: 'name_constraint_violation',
  /** A request outside the certificate profile (key, validity, EKUs, SAN rules). */
  ProfileViolation: 'profile_violation',
  /** A CA to import whose certificate, key or chain does not fit (CaImportError names the field). */
  InvalidImport: 'invalid_import',
  /** SecretBox keys that are malformed (server configuration). */
  InvalidKey: 'invalid_key',
  /** Ciphertext that does not decrypt: tampered, wrong key, AAD mismatch or unknown version. */
  DecryptFailed: 'decrypt_failed',
} as const;
export type PkiErrorCode = (typeof PkiErrorCode)[keyof typeof PkiErrorCode];

/** The only error type thrown by this library for bad input or failed crypto. */
export class PkiError extends Error {
  constructor(
    public readonly code: PkiErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PkiError';
  }
}

/** Runs `fn`; any non-PkiError failure is rethrown as PkiError(code, message). */
export async function asPkiError<T>(code: PkiErrorCode, message: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PkiError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new PkiError(code, `${message}: ${detail}`, { cause: err });
  }
}
