// Each channel says, where it fails, whether another attempt may succeed (DeliveryError.retryable):
// against real local HTTP and SMTP servers, with no database or queue.
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startHttpReceiver } from '@certctl/testing';
import {
  deliveryFailureOf as failureOf,
  outgoing,
  relaxedPolicy as relaxed,
  sendContext,
  strictPolicy as strict,
} from '../testing/fixtures';
import type { SendContext } from './channel.types';
import type { DestinationPolicy } from './destination';
import { EmailChannel, retryableSmtpFailure } from './email.channel';
import { OpsGenieChannel, PagerDutyChannel, SlackChannel, TeamsChannel, WebhookChannel, retryableStatus } from './http.channels';

const ctx = (config: SendContext['config'], policy: DestinationPolicy = relaxed, secret?: string) => sendContext(config, policy, secret);

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('HTTP channels classify their failures', () => {
  let status = 503;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  beforeAll(async () => {
    receiver = await startHttpReceiver(() => status);
  });
  afterAll(() => receiver.close());

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [408, true],
    [425, true],
    [429, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [410, false],
    [413, false],
    [301, false],
    [307, false],
  ])('answer %i → retryable %s', async (answer, retryable) => {
    status = answer;
    const err = await failureOf(new WebhookChannel().send(outgoing, ctx({ url: `${receiver.url}/hook` })));
    expect(err.message).toContain(`answered ${answer}`);
    expect(err.retryable).toBe(retryable);
    expect(retryableStatus(answer)).toBe(retryable);
  });

  it('ok/a receiver that cannot be reached is retryable (it may come back)', async () => {
    const port = await closedPort();
    const err = await failureOf(new SlackChannel().send(outgoing, ctx({ url: `http://127.0.0.1:${port}/services/x` })));
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.retryable).toBe(true);
  });

  it('ok/a name that does not resolve is retryable (DNS may recover)', async () => {
    const resolve = async () => {
      throw Object.assign(new Error('no such host'), { code: 'ENOTFOUND' });
    };
    const err = await failureOf(new TeamsChannel().send(outgoing, ctx({ url: 'https://teams.example.test/x' }, { ...relaxed, resolve })));
    expect(err.message).toBe('cannot resolve teams.example.test: ENOTFOUND');
    expect(err.retryable).toBe(true);
  });

  it('fail/a destination refused by the address policy is not retryable', async () => {
    const err = await failureOf(new WebhookChannel().send(outgoing, ctx({ url: `${receiver.url}/hook` }, strict)));
    expect(err.message).toMatch(/^destination 127\.0\.0\.1 refused/);
    expect(err.retryable).toBe(false);
  });

  it.each([
    ['no URL', new WebhookChannel(), {}, undefined, 'channel has no url configured'],
    ['an invalid URL', new SlackChannel(), { url: 'not a url' }, undefined, 'channel url is not a valid URL'],
    ['a non-HTTP URL', new TeamsChannel(), { url: 'ftp://files.example.test/x' }, undefined, 'channel url must be http(s)'],
    ['PagerDuty without a routing key', new PagerDutyChannel(), {}, undefined, 'PagerDuty channel has no routing key'],
    ['OpsGenie without an API key', new OpsGenieChannel(), {}, undefined, 'OpsGenie channel has no API key'],
  ])('fail/%s is a configuration error, not retryable', async (_name, channel, config, secret, message) => {
    const err = await failureOf(channel.send(outgoing, ctx(config, relaxed, secret)));
    expect(err.message).toBe(message);
    expect(err.retryable).toBe(false);
  });
});

describe('the email channel classifies its failures', () => {
  let smtp: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    const { SMTPServer } = await import('smtp-server');
    // Refuses one mailbox for good (550) and another for now (451).
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('gone@')) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        if (address.address.startsWith('busy@')) return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        cb();
      },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => cb());
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    smtp = { port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
  });
  afterAll(() => smtp.close());
  const mail = (recipient: string) =>
    new EmailChannel().send({ ...outgoing, recipient }, ctx({ smtp_host: '127.0.0.1', smtp_port: smtp.port, starttls: false }));

  it('fail/a permanent SMTP refusal (5xx) is not retryable', async () => {
    const err = await failureOf(mail('gone@example.test'));
    expect(err.message).toContain('550');
    expect(err.retryable).toBe(false);
  });

  it('ok/a temporary SMTP refusal (4xx) is retryable', async () => {
    const err = await failureOf(mail('busy@example.test'));
    expect(err.message).toContain('451');
    expect(err.retryable).toBe(true);
  });

  it('ok/an SMTP server that cannot be reached is retryable', async () => {
    const port = await closedPort();
    const err = await failureOf(new EmailChannel().send(outgoing, ctx({ smtp_host: '127.0.0.1', smtp_port: port, starttls: false })));
    expect(err.retryable).toBe(true);
  });

  it.each([
    ['no SMTP host', {}, undefined, relaxed, 'email channel has no smtp_host'],
    [
      'a password without STARTTLS',
      { smtp_host: '127.0.0.1', smtp_user: 'certctl' },
      'smtp-password',
      relaxed,
      'refusing to send the SMTP password without STARTTLS: set starttls: true on the channel',
    ],
    ['a loopback server under the default policy', { smtp_host: '127.0.0.1' }, undefined, strict, undefined],
  ])('fail/%s is a configuration error, not retryable', async (_name, config, secret, policy, message) => {
    const err = await failureOf(new EmailChannel().send(outgoing, ctx(config, policy, secret)));
    if (message) expect(err.message).toBe(message);
    expect(err.retryable).toBe(false);
  });

  it('fail/a notification without a recipient is not retryable', async () => {
    const err = await failureOf(new EmailChannel().send({ ...outgoing, recipient: '' }, ctx({ smtp_host: '127.0.0.1' })));
    expect(err.message).toBe('email notification has no recipient');
    expect(err.retryable).toBe(false);
  });

  it.each([
    [{ responseCode: 554 }, false],
    [{ code: 'EAUTH', responseCode: 535 }, false],
    [{ code: 'EENVELOPE' }, false],
    [{ code: 'EENVELOPE', responseCode: 451 }, true],
    [{ code: 'EENVELOPE', responseCode: 550 }, false],
    [{ responseCode: 421 }, true],
    [{ code: 'ECONNECTION' }, true],
    [{ code: 'ETIMEDOUT' }, true],
  ])('retryableSmtpFailure(%o) is %s', (err, retryable) => {
    expect(retryableSmtpFailure(err)).toBe(retryable);
  });
});
