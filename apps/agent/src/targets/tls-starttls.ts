import { type Socket, connect as connectPlain } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { fingerprintOf, type ProbeOptions, probeServedFingerprint, verifyServed } from './tls-probe';
import type { VerifyResult } from './target';

/**
 * The TLS probe for mail servers on their plain ports: SMTP (EHLO, STARTTLS) and IMAP
 * (a STARTTLS command), then the same handshake and fingerprint as `probeServedFingerprint`.
 * Implicit-TLS ports (465, 993) use the plain probe.
 */
export type StartTlsProtocol = 'smtp' | 'imap';

/** Reads CRLF lines from a plain socket until `done` accepts one; rejects on close or timeout. */
function readUntil(socket: Socket, done: (line: string) => boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const lines: string[] = [];
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\n');
      while (end >= 0) {
        const line = buffered.slice(0, end).replace(/\r$/, '');
        buffered = buffered.slice(end + 1);
        lines.push(line);
        if (done(line)) {
          cleanup();
          resolve(lines);
          return;
        }
        end = buffered.indexOf('\n');
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`the server closed the connection after: ${lines.join(' | ') || 'nothing'}`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}

/** The last line of an SMTP reply is `NNN text`; continuation lines are `NNN-text`. */
const smtpReplyEnd = (line: string) => /^\d{3}( |$)/.test(line);

async function smtpStartTls(socket: Socket, address: string): Promise<void> {
  const greeting = await readUntil(socket, smtpReplyEnd);
  if (!greeting.at(-1)!.startsWith('220')) throw new Error(`${address} greeted with: ${greeting.join(' | ')}`);
  socket.write('EHLO certctl-agent\r\n');
  const ehlo = await readUntil(socket, smtpReplyEnd);
  if (!ehlo.some((line) => /^250[ -]STARTTLS/i.test(line))) throw new Error(`${address} does not offer STARTTLS: ${ehlo.join(' | ')}`);
  socket.write('STARTTLS\r\n');
  const ready = await readUntil(socket, smtpReplyEnd);
  if (!ready.at(-1)!.startsWith('220')) throw new Error(`${address} refused STARTTLS: ${ready.join(' | ')}`);
}

async function imapStartTls(socket: Socket, address: string): Promise<void> {
  const greeting = await readUntil(socket, (line) => line.startsWith('* '));
  if (!/^\* (OK|PREAUTH)/i.test(greeting.at(-1)!)) throw new Error(`${address} greeted with: ${greeting.join(' | ')}`);
  socket.write('c1 STARTTLS\r\n');
  const reply = await readUntil(socket, (line) => line.startsWith('c1 '));
  if (!/^c1 OK/i.test(reply.at(-1)!)) throw new Error(`${address} refused STARTTLS: ${reply.join(' | ')}`);
}

/** Plain connection, the protocol's STARTTLS dialogue, then the handshake: the served leaf's fingerprint. */
export function probeStartTlsFingerprint(options: ProbeOptions & { protocol: StartTlsProtocol }): Promise<string> {
  const address = `${options.host}:${options.port}`;
  const servername = options.servername ?? (/^[\d.:]+$/.test(options.host) ? undefined : options.host);
  const socket = connectPlain({ host: options.host, port: options.port });
  socket.setTimeout(options.timeoutMs ?? 10000, () => socket.destroy(new Error(`STARTTLS probe of ${address} timed out`)));
  const dialogue = options.protocol === 'smtp' ? smtpStartTls : imapStartTls;
  return dialogue(socket, address).then(
    () =>
      new Promise<string>((resolve, reject) => {
        const secure = connectTls({ socket, servername, rejectUnauthorized: false });
        secure.once('secureConnect', () => {
          const peer = secure.getPeerCertificate();
          secure.destroy();
          if (!peer?.raw) reject(new Error(`${address} presented no certificate`));
          else resolve(fingerprintOf(peer.raw));
        });
        secure.once('error', reject);
      }),
    (err: Error) => {
      socket.destroy();
      throw err;
    },
  );
}

export interface EndpointCheck {
  host: string;
  port: number;
  servername?: string;
  starttls?: StartTlsProtocol | null;
}

/**
 * Verification of a deployment on a plain (STARTTLS) or implicit-TLS port. Mail servers reload
 * asynchronously (old smtpd/imap-login processes finish their turn), so a mismatch is retried
 * for a few seconds before it counts.
 */
export async function verifyEndpoint(check: EndpointCheck, expected: string, retry = { attempts: 8, delayMs: 750 }): Promise<VerifyResult> {
  const options: ProbeOptions = { host: check.host, port: check.port, servername: check.servername };
  const protocol = check.starttls;
  const probe = protocol ? (target: ProbeOptions) => probeStartTlsFingerprint({ ...target, protocol }) : probeServedFingerprint;
  let result = await verifyServed(options, expected, probe);
  for (let attempt = 1; attempt < retry.attempts && !result.ok; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, retry.delayMs));
    result = await verifyServed(options, expected, probe);
  }
  return result;
}
