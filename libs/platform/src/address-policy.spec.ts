import { classifyAddress, parseIp, refusedAddress, reverseName } from './address-policy';

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.0.1', 'private (RFC 1918)'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared address space (CGNAT, RFC 6598)'],
    ['192.0.2.10', 'documentation (TEST-NET-1)'],
    ['198.18.0.1', 'benchmarking (RFC 2544)'],
    ['::1', 'loopback'],
    ['fd00::1', 'unique local (ULA, RFC 4193)'],
    ['fe80::1', 'link-local'],
    ['2001:db8::1', 'documentation (RFC 3849)'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['64:ff9b::a00:1', 'NAT64 (RFC 6052) private (RFC 1918)'],
    ['2002:c0a8:0101::1', '6to4 (RFC 3056) private (RFC 1918)'],
    ['100::1', 'discard-only (RFC 6666)'],
  ])('refused/%s is %s, refused in production, allowed for local tests', (ip, what) => {
    expect(classifyAddress(ip)).toEqual({ special: what, always: false });
    expect(refusedAddress(ip, false)).toBe(`${ip} is a ${what} address`);
    expect(refusedAddress(ip, true)).toBeNull();
  });

  it.each(['0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '255.255.255.255', '240.0.0.1', '::', 'ff02::1', '::ffff:224.0.0.1'])(
    'refused/%s is refused even when private addresses are allowed',
    (ip) => {
      expect(refusedAddress(ip, true)).toMatch(/unspecified|multicast|reserved/);
      expect(refusedAddress(ip, false)).not.toBeNull();
    },
  );

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('ok/%s is public', (ip) => {
    expect(refusedAddress(ip, false)).toBeNull();
  });

  it('refused/IPv6 outside 2000::/3 that no range names is not global unicast', () => {
    expect(refusedAddress('4000::1', false)).toBe('4000::1 is a not global unicast address');
  });

  it('ok/parses IPv4, IPv6 and IPv6 with a dotted quad to bytes; refuses zones and names', () => {
    expect([...parseIp('1.2.3.4')!.bytes]).toEqual([1, 2, 3, 4]);
    expect(Buffer.from(parseIp('2001:db8::1')!.bytes).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(Buffer.from(parseIp('::ffff:1.2.3.4')!.bytes).toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(Buffer.from(parseIp('1::2:3.4.5.6')!.bytes).toString('hex')).toBe('00010000000000000000000203040506');
    expect(Buffer.from(parseIp('[::1]')!.bytes).toString('hex')).toBe('00000000000000000000000000000001');
    expect(parseIp('fe80::1%eth0')).toBeNull();
    expect(parseIp('example.com')).toBeNull();
    expect(() => classifyAddress('example.com')).toThrow('not an IP address');
  });

  // The canonical text form (canonicalIp) is libs/pki's, tested in libs/pki/src/ip.spec.ts.
  it('ok/reverse names (RFC 8738)', () => {
    expect(reverseName('192.0.2.5')).toBe('5.2.0.192.in-addr.arpa');
    expect(reverseName('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });
});
