import { canonicalIp } from './ip';

describe('canonicalIp (the one canonical address form)', () => {
  it.each([
    ['IPv4 unchanged', '192.0.2.5', '192.0.2.5'],
    ['IPv6 compressed and lowercased', '2001:0DB8:0:0::0001', '2001:db8::1'],
    ['IPv6 full form', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['loopback', '::1', '::1'],
    ['IPv4-mapped, dotted', '::ffff:1.2.3.4', '::ffff:102:304'],
    ['IPv4-mapped, other address', '::ffff:192.0.2.1', '::ffff:c000:201'],
    ['trailing dotted quad', '1::2:3.4.5.6', '1::2:304:506'],
    ['bracketed, as in a URL host', '[::1]', '::1'],
    ['bracketed IPv4', '[192.0.2.5]', '192.0.2.5'],
  ])('ok/%s', (_what, input, want) => {
    expect(canonicalIp(input)).toBe(want);
  });

  it.each([
    ['leading zeros (octal-looking)', '010.0.0.1'],
    ['out of range', '10.0.0.256'],
    ['zone id', 'fe80::1%eth0'],
    ['bracketed zone id', '[fe80::1%eth0]'],
    ['a host name', 'example.com'],
    ['half a bracket', '[::1'],
    ['empty', ''],
  ])('fail/%s', (_what, input) => {
    expect(canonicalIp(input)).toBeNull();
  });

  it('ok/the canonical form is a fixed point', () => {
    for (const ip of ['2001:DB8::1', '::FFFF:10.0.0.1', '[fe80::0:1]', '127.0.0.1']) {
      const once = canonicalIp(ip)!;
      expect(canonicalIp(once)).toBe(once);
    }
  });
});
