import { addressesOf, parseAllowList, scanRangeProblems } from './scan-range';

describe('network scan ranges', () => {
  const allow = parseAllowList('127.0.0.0/8, 10.20.0.0/16 fd00::/64').allowed;

  it('ok/blocks of at most 4096 addresses inside the allow-list pass', () => {
    expect(scanRangeProblems(['127.0.0.1/32', '10.20.16.0/20', 'fd00::1000/116'], allow)).toEqual([]);
  });

  it('rejects/blocks larger than /20 (IPv4) or 4096 addresses (IPv6)', () => {
    expect(scanRangeProblems(['10.20.0.0/19', 'fd00::/115'], allow)).toEqual([
      { cidr: '10.20.0.0/19', message: 'is larger than /20' },
      { cidr: 'fd00::/115', message: 'is larger than /116 (4096 addresses)' },
    ]);
  });

  it('rejects/blocks outside the allow-list, and everything when the allow-list is empty', () => {
    expect(scanRangeProblems(['192.168.1.0/24'], allow)[0]?.message).toMatch(
      /not inside CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS \(127\.0\.0\.0\/8/,
    );
    // a block that starts inside but reaches past the allowed one
    expect(scanRangeProblems(['10.20.0.0/20'], parseAllowList('10.20.0.0/24').allowed)).toHaveLength(1);
    expect(scanRangeProblems(['127.0.0.1/32'], [])[0]?.message).toMatch(/scanning is off until CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS/);
  });

  it('rejects/text that is not a block, and reports bad allow-list entries', () => {
    expect(scanRangeProblems(['127.0.0.1', '300.0.0.0/24', '127.0.0.0/33'], allow).map((p) => p.cidr)).toEqual([
      '127.0.0.1',
      '300.0.0.0/24',
      '127.0.0.0/33',
    ]);
    expect(parseAllowList('10.0.0.0/8,nonsense').invalid).toEqual(['nonsense']);
  });

  it('ok/lists the addresses of a block, IPv4 across octets and IPv6', () => {
    expect(addressesOf('127.0.0.1/32')).toEqual(['127.0.0.1']);
    const twenty = addressesOf('10.20.16.0/20');
    expect([twenty.length, twenty[0], twenty[256], twenty[4095]]).toEqual([4096, '10.20.16.0', '10.20.17.0', '10.20.31.255']);
    expect(addressesOf('fd00::fe/127')).toEqual(['fd00::fe', 'fd00::ff']);
    expect(() => addressesOf('10.0.0.0/8')).toThrow(/larger than 4096/);
  });
});
