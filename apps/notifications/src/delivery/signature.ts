import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-certctl-signature';
export const TIMESTAMP_HEADER = 'x-certctl-timestamp';

/** HMAC-SHA256 over "<unix seconds>.<body>", hex, prefixed "sha256=" (the timestamp defeats replays). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute, compare in constant time, reject stale timestamps. */
export function verifyWebhook(
  secret: string,
  header: { signature?: string; timestamp?: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const ts = Number(header.timestamp);
  if (!header.signature || !Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(header.signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
