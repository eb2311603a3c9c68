import { ACCEPTED, PUBLIC_TRUST_SOURCES, isAccepted, rfcErrors, type Finding } from './linters';

const finding = (over: Partial<Finding>): Finding => ({
  tool: 'zlint',
  subject: 'ecdsa-p256/tls-server',
  code: 'w_subject_common_name_included',
  severity: 'warn',
  source: 'CABF_BR',
  detail: '',
  ...over,
});

describe('the accepted-findings list of the conformance tests', () => {
  it('every entry gives a reason', () => {
    for (const a of ACCEPTED) expect(a.reason.length).toBeGreaterThan(40);
  });

  it('an entry scoped to subjects or finding text matches nothing outside them', () => {
    expect(isAccepted(finding({ code: 'e_missing_crl_distrib_point', subject: 'ecdsa-p256/gateway' }))).toBeDefined();
    expect(isAccepted(finding({ code: 'e_missing_crl_distrib_point', subject: 'ecdsa-p256/tls-server' }))).toBeUndefined();
    const localhost = { tool: 'pkilint' as const, code: 'pkix.invalid_domain_name_syntax', subject: 'stack/gateway' };
    expect(isAccepted(finding({ ...localhost, detail: 'x: Invalid domain name syntax: "localhost"' }))).toBeDefined();
    expect(isAccepted(finding({ ...localhost, detail: 'x: Invalid domain name syntax: "bad_name"' }))).toBeUndefined();
    expect(isAccepted(finding({ code: 'e_signature_algorithm_not_supported', subject: 'rsa-2048/root' }))).toBeUndefined();
  });

  it('an unknown finding is not accepted, and RFC errors are picked out whatever the list says', () => {
    expect(isAccepted(finding({ code: 'e_something_new' }))).toBeUndefined();
    const rfc = finding({ code: 'e_key_usage_and_extended_key_usage_inconsistent', severity: 'error', source: 'RFC5280' });
    const br = finding({ code: 'e_ca_country_name_missing', severity: 'error', source: 'CABF_BR' });
    const warn = finding({ code: 'w_distribution_point_missing_ldap_or_uri', severity: 'warn', source: 'RFC5280' });
    expect(rfcErrors([rfc, br, warn])).toEqual([rfc]);
    expect(PUBLIC_TRUST_SOURCES).not.toContain('RFC5280');
  });
});
