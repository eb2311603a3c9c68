// The channels' destination policy against real local servers: refused private destinations,
// the pinned address, redirects not followed, no remote body in errors, SMTP auth over TLS only.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSmtpReceiver } from '@certctl/testing';
import {
  deliveryFailureOf as errorOf,
  outgoing,
  relaxedPolicy as relaxed,
  sendContext as ctx,
  strictPolicy as strict,
} from '../testing/fixtures';
import { destinationProblems, pinDestination } from './destination';
import { EmailChannel } from './email.channel';
import { SlackChannel, WebhookChannel } from './http.channels';

describe('webhook destinations', () => {
  let server: Server;
  let base: string;
  let port: number;
  const hits: { url: string; host: string | undefined }[] = [];
  let answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 204 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.push({ url: req.url ?? '', host: req.headers.host });
        const a = answer(req);
        res.writeHead(a.status, a.headers).end(a.body ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    hits.length = 0;
    answer = () => ({ status: 204 });
  });

  it('fail/a loopback webhook is refused by default, before any connection is made', async () => {
    const err = await errorOf(new WebhookChannel().send(outgoing, ctx({ url: `${base}/hook` }, strict)));
    expect(err.name).toBe('DeliveryError');
    expect(err.message).toBe(
      'destination 127.0.0.1 refused: 127.0.0.1 is a loopback address (set CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES=true to allow private destinations)',
    );
    expect(hits).toHaveLength(0);
  });

  it('fail/a name resolving to a private address is refused; ok/allowed, the connection goes to the checked address', async () => {
    const resolve = async (host: string) => (host === 'hooks.internal.test' ? ['10.1.2.3', '127.0.0.1'] : []);
    const err = await errorOf(
      new SlackChannel().send(outgoing, ctx({ url: `http://hooks.internal.test:${port}/services/T/B/x` }, { ...strict, resolve })),
    );
    expect(err.message).toMatch(
      /^destination hooks\.internal\.test refused: 10\.1\.2\.3 is a private \(RFC 1918\) address; 127\.0\.0\.1 is a loopback address/,
    );
    expect(hits).toHaveLength(0);

    // Allowed: pinned to the first allowed address the name resolved to for the check
    // (a second resolution, by the HTTP client, never happens: 'hooks.internal.test' does not exist).
    const pinned = await pinDestination('hooks.internal.test', { ...relaxed, resolve: async () => ['127.0.0.1'] }, 1000);
    expect(pinned).toEqual({ host: 'hooks.internal.test', address: '127.0.0.1', family: 4, literal: false });
    await new SlackChannel().send(
      outgoing,
      ctx({ url: `http://hooks.internal.test:${port}/services/T/B/x` }, { ...relaxed, resolve: async () => ['127.0.0.1'] }),
    );
    expect(hits).toEqual([{ url: '/services/T/B/x', host: `hooks.internal.test:${port}` }]);
  });

  it('fail/unspecified, multicast and reserved addresses are refused even when private ones are allowed', async () => {
    for (const url of ['http://0.0.0.0:1/x', 'http://[ff02::1]:1/x', 'http://255.255.255.255/x']) {
      const err = await errorOf(new WebhookChannel().send(outgoing, ctx({ url }, relaxed)));
      expect(err.message).toMatch(/refused: .* is a (unspecified|multicast|reserved)/);
    }
  });

  it('fail/a redirect is not followed', async () => {
    answer = (req) => (req.url === '/hook' ? { status: 302, headers: { location: `${base}/elsewhere` } } : { status: 200 });
    const err = await errorOf(new WebhookChannel().send(outgoing, ctx({ url: `${base}/hook` }, relaxed)));
    expect(err.message).toBe(`${base} answered 302 (redirects are not followed)`);
    expect(hits.map((h) => h.url)).toEqual(['/hook']);
  });

  it("fail/the receiver's answer body never reaches the error (status and reason only)", async () => {
    answer = () => ({ status: 500, body: 'internal details: password=hunter2' });
    const err = await errorOf(new WebhookChannel().send(outgoing, ctx({ url: `${base}/hook?token=abc` }, relaxed)));
    expect(err.message).toBe(`${base} answered 500 Internal Server Error`);
  });
});

describe('SMTP destinations', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  beforeAll(async () => {
    smtp = await startSmtpReceiver();
  });
  afterAll(() => smtp.close());

  it('fail/a loopback SMTP server is refused by default', async () => {
    const err = await errorOf(
      new EmailChannel().send(outgoing, ctx({ smtp_host: '127.0.0.1', smtp_port: smtp.port, starttls: false }, strict)),
    );
    expect(err.message).toMatch(/^destination 127\.0\.0\.1 refused: 127\.0\.0\.1 is a loopback address/);
    expect(smtp.mails).toHaveLength(0);
  });

  it('fail/the SMTP password is not sent without STARTTLS unless plaintext auth is allowed', async () => {
    const config = { smtp_host: '127.0.0.1', smtp_port: smtp.port, smtp_user: 'certctl' };
    const err = await errorOf(new EmailChannel().send(outgoing, ctx(config, relaxed, 'smtp-password')));
    expect(err.message).toBe('refusing to send the SMTP password without STARTTLS: set starttls: true on the channel');
    const off = await errorOf(new EmailChannel().send(outgoing, ctx({ ...config, starttls: false }, relaxed, 'smtp-password')));
    expect(off.message).toMatch(/without STARTTLS/);
    expect(smtp.mails).toHaveLength(0);
  });

  it('ok/without a password, a plain SMTP server on an allowed address gets the mail', async () => {
    await new EmailChannel().send(outgoing, ctx({ smtp_host: '127.0.0.1', smtp_port: smtp.port, starttls: false }, relaxed));
    expect(smtp.mails.map((m) => m.to)).toEqual(['ops@example.test']);
  });
});

describe('destinationProblems (checked when a channel is created)', () => {
  it('fail/literal private, loopback and link-local destinations are refused by default', () => {
    expect(destinationProblems('slack', { url: 'http://127.0.0.1:8080/x' }, false, strict)).toEqual([
      {
        field: 'config.url',
        message: '127.0.0.1 is a loopback address (set CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES=true to allow private destinations)',
      },
    ]);
    expect(destinationProblems('webhook', { url: 'http://[fe80::1]/x' }, false, strict)[0]?.message).toMatch(/^fe80::1 is a link-local/);
    expect(destinationProblems('webhook', { url: 'http://169.254.169.254/latest' }, false, strict)[0]?.message).toMatch(/link-local/);
    expect(destinationProblems('email', { smtp_host: '192.168.1.10' }, false, strict)).toEqual([
      { field: 'config.smtp_host', message: expect.stringMatching(/^192\.168\.1\.10 is a private \(RFC 1918\) address/) },
    ]);
  });

  it('ok/public literals and names pass; private literals pass when allowed, never the unspecified address', () => {
    expect(destinationProblems('slack', { url: 'https://hooks.slack.com/services/T/B/x' }, false, strict)).toEqual([]);
    expect(destinationProblems('webhook', { url: 'https://8.8.8.8/x' }, false, strict)).toEqual([]);
    expect(destinationProblems('webhook', { url: 'http://127.0.0.1:1/x' }, false, relaxed)).toEqual([]);
    expect(destinationProblems('webhook', { url: 'http://0.0.0.0:1/x' }, false, relaxed)).toEqual([
      { field: 'config.url', message: '0.0.0.0 is a unspecified ("this network", RFC 1122) address' },
    ]);
  });

  it('fail/an SMTP password without starttls: true is refused unless plaintext auth is allowed', () => {
    const cfg = { smtp_host: 'smtp.example.com', smtp_user: 'u' };
    expect(destinationProblems('email', cfg, true, strict)).toEqual([
      {
        field: 'config.starttls',
        message: 'must be true when an SMTP password is set (or set CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH=true)',
      },
    ]);
    expect(destinationProblems('email', { ...cfg, starttls: true }, true, strict)).toEqual([]);
    expect(destinationProblems('email', cfg, true, { ...strict, smtpAllowPlaintextAuth: true })).toEqual([]);
    expect(destinationProblems('email', cfg, false, strict)).toEqual([]);
  });
});
