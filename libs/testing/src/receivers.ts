import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  /** Envelope recipients, comma-separated. */
  to: string;
  /** The whole message as received (headers and MIME body). */
  raw: string;
}

/** A local SMTP server (plain, no AUTH) that keeps every message, for tests of the email channel. */
export async function startSmtpReceiver(): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  // Loaded on use: the tools that import this library (seed, run-stack) must not need a dev dependency.
  const { SMTPServer } = await import('smtp-server');
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  return {
    port: (smtp.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

/** A local HTTP receiver: `respond` sees each request with its whole body and picks the status (and body) of the answer. */
export async function startHttpReceiver(
  respond: (req: IncomingMessage, body: string) => number | { status: number; body?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r = respond(req, body);
      const { status, body: text } = typeof r === 'number' ? { status: r, body: undefined } : r;
      res.writeHead(status).end(text ?? (status < 300 ? '{}' : ''));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
