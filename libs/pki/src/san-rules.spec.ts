import { checkSanRules } from './san-rules';

describe('profile SAN rules', () => {
  it('ok/no rules or permissive rules accept every name', () => {
    expect(checkSanRules(['a.example.com', '10.0.0.1'], null)).toEqual([]);
    expect(checkSanRules(['a.example.com', '*.b.example.com', '10.0.0.1'], { allow_wildcards: true, allow_ip: true })).toEqual([]);
  });

  it('fail/each breach is named: suffix, wildcard, IP, email, URI, count', () => {
    const rules = {
      allow_wildcards: false,
      allow_ip: false,
      allow_email: false,
      allow_uri: false,
      max_sans: 3,
      dns_suffixes: ['corp.example'],
    };
    const out = checkSanRules(['web.corp.example', 'evil.example.org', '*.corp.example', '10.0.0.1', 'ops@corp.example'], rules);
    const messages = out.map((e) => e.message).join('\n');
    expect(out.every((e) => e.field === 'sans')).toBe(true);
    expect(messages).toMatch(/at most 3 names/);
    expect(messages).toMatch(/evil\.example\.org: must be under corp\.example/);
    expect(messages).toMatch(/\*\.corp\.example: wildcards are not allowed/);
    expect(messages).toMatch(/10\.0\.0\.1: IP addresses are not allowed/);
    expect(messages).toMatch(/ops@corp\.example: email addresses are not allowed/);
    expect(messages).not.toMatch(/web\.corp\.example/);
  });

  it('ok/the suffix itself and its wildcard match; a look-alike suffix does not', () => {
    expect(checkSanRules(['corp.example', '*.corp.example'], { dns_suffixes: ['.corp.example'] })).toEqual([]);
    expect(checkSanRules(['badcorp.example'], { dns_suffixes: ['corp.example'] })).toHaveLength(1);
  });
});
