import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from './signature';

describe('webhook signature', () => {
  const secret = 'whsec-test-secret';
  const body = JSON.stringify({ event: 'certificate.expiring', id: 'ntf-1' });

  it('ok/is HMAC-SHA256 over "<timestamp>.<body>" in hex', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1700000000, body)).toBe(`sha256=${expected}`);
  });

  it('ok/verifies a fresh signature', () => {
    const sig = signWebhook(secret, 1700000000, body);
    expect(verifyWebhook(secret, { signature: sig, timestamp: '1700000000' }, body, 1700000010)).toBe(true);
  });

  it.each([
    ['fail/another secret', 'other-secret', '1700000000', body, 1700000010],
    ['fail/a changed body', secret, '1700000000', body + ' ', 1700000010],
    ['fail/a replayed old timestamp', secret, '1700000000', body, 1700001000],
    ['fail/a missing timestamp', secret, '', body, 1700000010],
  ])('%s', (_name, verifySecret, ts, verifyBody, now) => {
    const sig = signWebhook(secret, 1700000000, body);
    expect(verifyWebhook(verifySecret, { signature: sig, timestamp: ts }, verifyBody, now)).toBe(false);
  });
});
