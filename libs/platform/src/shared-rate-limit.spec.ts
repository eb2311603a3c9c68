import { clientIp } from './shared-rate-limit';

describe('clientIp', () => {
  it.each<[string, Record<string, string | string[] | undefined>, string | undefined, string]>([
    ['the address the gateway forwarded', { 'x-forwarded-for': '198.51.100.7' }, '127.0.0.1', '198.51.100.7'],
    ['the last entry of a list', { 'x-forwarded-for': '10.0.0.1, 2001:DB8::1' }, '127.0.0.1', '2001:db8::1'],
    ['the peer without the header', {}, '192.0.2.1', '192.0.2.1'],
    ['the peer when the header is not an address', { 'x-forwarded-for': 'evil' }, '192.0.2.1', '192.0.2.1'],
    ['unknown with neither', {}, undefined, 'unknown'],
  ])('ok/%s', (_what, headers, ip, want) => {
    expect(clientIp({ headers, ip })).toBe(want);
  });
});
