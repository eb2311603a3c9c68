import { AppError } from '@certctl/contracts';
import { PKI_ERROR_APP_CODE, isNameConstraintsError, pkiErrorToAppError, translatePkiErrors } from './app-error';
import { PkiError, PkiErrorCode } from './errors';
import { CaImportError } from './import-ca';
import { checkSubtreesWithin, normalizeNameConstraints } from './name-constraints';

const SERVER_FAULTS = new Set<PkiErrorCode>([PkiErrorCode.DecryptFailed, PkiErrorCode.InvalidKey, PkiErrorCode.KeyNotExtractable]);

function thrown(fn: () => unknown): PkiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PkiError) return err;
    throw err;
  }
  throw new Error('expected a PkiError');
}

describe('pkiErrorToAppError', () => {
  it.each(Object.values(PkiErrorCode))('ok/%s maps to an AppError that is never retryable and keeps the PkiError as its cause', (code) => {
    const pkiError = new PkiError(code, `the ${code} failure`);
    const appError = pkiErrorToAppError(pkiError, { field: 'request' });
    expect(appError).toBeInstanceOf(AppError);
    expect(appError.code).toBe(SERVER_FAULTS.has(code) ? 'internal' : 'validation_failed');
    expect(appError.code).toBe(PKI_ERROR_APP_CODE[code]);
    expect(appError.retryable).toBe(false);
    expect(appError.cause).toBe(pkiError);
    // Only a problem with the request names a request field; a server fault does not blame the caller.
    expect(appError.fields).toEqual(SERVER_FAULTS.has(code) ? undefined : [{ field: 'request', message: `the ${code} failure` }]);
  });

  it('ok/the table covers exactly the declared codes', () => {
    expect(Object.keys(PKI_ERROR_APP_CODE).sort()).toEqual(Object.values(PkiErrorCode).sort());
  });

  it('ok/without a field the message is the detail; with a prefix the detail names the operation', () => {
    const err = new PkiError('profile_violation', 'profile violated: key too small');
    expect(pkiErrorToAppError(err)).toMatchObject({
      code: 'validation_failed',
      message: 'profile violated: key too small',
      fields: undefined,
    });
    expect(pkiErrorToAppError(err, { field: 'request', detailPrefix: 'cannot sign' })).toMatchObject({
      message: 'cannot sign: profile violated: key too small',
      fields: [{ field: 'request', message: 'profile violated: key too small' }],
    });
    expect(pkiErrorToAppError(err, { field: 'csr_pem' }).message).toBe('The request has invalid fields.');
  });

  it('ok/a caller code replaces the table (a signer refusal is a terminal issuer failure)', () => {
    const err = new PkiError('name_constraint_violation', 'name constraint violated: x');
    expect(pkiErrorToAppError(err, { code: 'issuer_failure', detailPrefix: 'the local CA refused to sign' })).toMatchObject({
      code: 'issuer_failure',
      retryable: false,
      message: 'the local CA refused to sign: name constraint violated: x',
      fields: undefined,
    });
  });

  it('ok/a CaImportError names its own field over the caller default', () => {
    const err = new CaImportError('chain_pem', 'the chain does not reach a root');
    expect(pkiErrorToAppError(err, { field: 'private_key_pem', detailPrefix: 'cannot import the CA' })).toMatchObject({
      message: 'cannot import the CA: the chain does not reach a root',
      fields: [{ field: 'chain_pem', message: 'the chain does not reach a root' }],
    });
  });

  it('ok/bad name constraints and subtrees wider than the parent are told apart by code (formerly a regex on the message)', () => {
    const malformed = thrown(() => normalizeNameConstraints({ permittedDns: ['not a name!'] }));
    expect(malformed.code).toBe('bad_name_constraints');
    const parent = { ca: 'CN=Parent', spec: normalizeNameConstraints({ permittedDns: ['example.com'] }), unsupported: [] };
    const wider = thrown(() => checkSubtreesWithin(normalizeNameConstraints({ permittedDns: ['example.org'] }), [parent]));
    expect(wider.code).toBe('name_constraint_violation');
    const other = new PkiError('invalid_request', 'pathLength must be below the issuer (1)');
    const field = (err: PkiError) => (isNameConstraintsError(err) ? 'name_constraints' : 'path_length');
    expect(pkiErrorToAppError(malformed, { field, fieldMessage: (m) => m.replace('permittedDns', 'permitted_dns') }).fields).toEqual([
      { field: 'name_constraints', message: expect.stringMatching(/^permitted_dns\[0\]: /) },
    ]);
    expect(pkiErrorToAppError(wider, { field }).fields?.[0]?.field).toBe('name_constraints');
    expect(pkiErrorToAppError(other, { field }).fields?.[0]?.field).toBe('path_length');
  });

  it('fail/translatePkiErrors leaves other errors as they are', async () => {
    const boom = new Error('database down');
    await expect(translatePkiErrors(() => Promise.reject(boom), { field: 'request' })).rejects.toBe(boom);
    await expect(translatePkiErrors(() => Promise.reject(new PkiError('bad_csr', 'x')), { field: 'csr_pem' })).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'csr_pem', message: 'x' }],
    });
    await expect(translatePkiErrors(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
