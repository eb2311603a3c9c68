import { AppError } from '@certctl/contracts';
import { CERTIFICATE_TRANSITIONS, assertCertificateTransition, canMoveCertificate, statusesLeadingTo } from './certificate-state';

describe('certificate status lifecycle', () => {
  it.each([
    ['pending', 'active'],
    ['active', 'expiring'],
    ['expiring', 'expired'],
    ['active', 'renewal_in_progress'],
    ['renewal_in_progress', 'active'],
    ['renewal_in_progress', 'failed'],
    ['expired', 'renewal_in_progress'],
    ['revoked', 'archived'],
  ] as const)('ok/%s → %s', (from, to) => {
    expect(canMoveCertificate(from, to)).toBe(true);
  });

  it.each([
    ['revoked', 'renewal_in_progress'],
    ['revoked', 'expiring'],
    ['archived', 'active'],
    ['pending', 'renewal_in_progress'],
    ['pending', 'expiring'],
  ] as const)('fail/%s → %s is a typed error', (from, to) => {
    expect(() => assertCertificateTransition('c1', from, to)).toThrow(AppError);
    try {
      assertCertificateTransition('c1', from, to);
    } catch (e) {
      expect((e as AppError).code).toBe('illegal_transition');
    }
  });

  it('an archived certificate can only be revoked, and only revocation-free states reach renewal', () => {
    expect(CERTIFICATE_TRANSITIONS.archived).toEqual(['revoked']);
    expect(statusesLeadingTo('renewal_in_progress').sort()).toEqual(['active', 'expired', 'expiring', 'failed']);
  });
});
