import { e2ePortOffset } from './e2e-env';

describe('e2e port offset', () => {
  it('ok/defaults to 10000 and follows CERTCTL_E2E_PORT_OFFSET', () => {
    expect(e2ePortOffset({})).toBe(10000);
    expect(e2ePortOffset({ CERTCTL_E2E_PORT_OFFSET: '' })).toBe(10000);
    expect(e2ePortOffset({ CERTCTL_E2E_PORT_OFFSET: '20000' })).toBe(20000);
    expect(e2ePortOffset({ CERTCTL_E2E_PORT_OFFSET: '0' })).toBe(0);
  });

  it.each(['-1', 'abc', '1.5', '60000'])('fail/%s is refused', (raw) => {
    expect(() => e2ePortOffset({ CERTCTL_E2E_PORT_OFFSET: raw })).toThrow(/CERTCTL_E2E_PORT_OFFSET/);
  });
});
