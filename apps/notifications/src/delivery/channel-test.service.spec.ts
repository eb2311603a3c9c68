// "Send a test" through a channel: the outcome as the API answers it, against a real local HTTP receiver.
import { startHttpReceiver } from '@certctl/testing';
import { relaxedPolicy, sendContext, strictPolicy } from '../testing/fixtures';
import { signWebhook } from './signature';
import { sendTest, testMessage } from './channel-test.service';

describe('sendTest', () => {
  let status = 204;
  const seen: { headers: Record<string, unknown>; body: string }[] = [];
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  beforeAll(async () => {
    receiver = await startHttpReceiver((req, body) => {
      seen.push({ headers: req.headers, body });
      return status;
    });
  });
  afterAll(() => receiver.close());

  it('ok/a webhook test is sent signed with event channel.test and answers ok with the receiver’s status', async () => {
    status = 204;
    const out = await sendTest(testMessage('nch-1', 'admin-key'), sendContext({ url: `${receiver.url}/t` }, relaxedPolicy, 'k'));
    expect(out).toEqual({ ok: true, status: 204, detail: 'delivered' });
    const got = seen.at(-1)!;
    expect(JSON.parse(got.body)).toMatchObject({ event: 'channel.test', severity: 'info', data: { channel_id: 'nch-1', test: true } });
    const ts = Number(got.headers['x-certctl-timestamp']);
    expect(got.headers['x-certctl-signature']).toBe(signWebhook('k', ts, got.body));
  });

  it('fail/a receiver answering 500 is not ok, with its status and the safe reason', async () => {
    status = 500;
    const out = await sendTest(testMessage('nch-1', 'admin-key'), sendContext({ url: `${receiver.url}/secret-path` }, relaxedPolicy));
    expect(out).toEqual({ ok: false, status: 500, detail: `${receiver.url} answered 500 Internal Server Error` });
  });

  it('fail/a destination the policy refuses is not ok and nothing is sent', async () => {
    const before = seen.length;
    const out = await sendTest(testMessage('nch-1', 'admin-key'), sendContext({ url: `${receiver.url}/t` }, strictPolicy));
    expect(out).toMatchObject({ ok: false, status: null });
    expect(out.detail).toMatch(/127\.0\.0\.1/);
    expect(seen.length).toBe(before);
  });

  it('fail/an email channel with only to_owner has no recipient to test with', async () => {
    const ctx = { ...sendContext({ smtp_host: '127.0.0.1', to_owner: true }, relaxedPolicy), type: 'email' as const };
    await expect(sendTest(testMessage('nch-1', 'admin-key'), ctx)).resolves.toEqual({
      ok: false,
      status: null,
      detail: 'the channel has no fixed recipients (config.to) to test with',
    });
  });
});
