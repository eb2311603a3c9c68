import { REVOCATION_REASON_CODES, bulkRevokeBodySchema, reasonCode, reasonName, revokeBodySchema } from './revocation-schemas';

describe('revocation reasons', () => {
  it('ok/RFC 5280 codes (7 unused) map both ways', () => {
    expect(reasonCode('unspecified')).toBe(0);
    expect(reasonCode('keyCompromise')).toBe(1);
    expect(reasonCode('certificateHold')).toBe(6);
    expect(reasonCode('removeFromCRL')).toBe(8);
    expect(reasonCode('aACompromise')).toBe(10);
    for (const [name, code] of Object.entries(REVOCATION_REASON_CODES)) expect(reasonName(code)).toBe(name);
    expect(reasonName(7)).toBeUndefined();
  });

  it('ok/revoke body defaults to unspecified; fail/unknown reasons and extra fields', () => {
    expect(revokeBodySchema.parse({})).toEqual({ reason: 'unspecified' });
    expect(revokeBodySchema.safeParse({ reason: 'because' }).success).toBe(false);
    expect(revokeBodySchema.safeParse({ reason: 'superseded', extra: 1 }).success).toBe(false);
  });

  it.each([
    ['ok/ids', { ids: ['cert-1'] }, true],
    ['ok/filter', { issuer_id: 'iss-local', team_id: 't-1' }, true],
    ['fail/neither ids nor filter', {}, false],
    ['fail/removeFromCRL in bulk', { ids: ['cert-1'], reason: 'removeFromCRL' }, false],
    ['fail/empty ids', { ids: [] }, false],
    ['fail/bad id', { ids: ['../etc'] }, false],
  ])('bulk body %s', (_n, body, ok) => {
    expect(bulkRevokeBodySchema.safeParse(body).success).toBe(ok);
  });
});
