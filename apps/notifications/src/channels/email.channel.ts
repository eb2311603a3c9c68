import { createTransport } from 'nodemailer';
import { type ChannelSender, DeliveryError, type Outgoing, type SendContext } from './channel.types';
import { pinDestination } from './destination';
import { digestHtml } from './digest-html';

/**
 * Email over SMTP with nodemailer; `starttls: true` requires STARTTLS, the secret is the SMTP
 * password. The server's address is checked against the destination policy and the connection
 * pinned to it; the password is only sent over STARTTLS unless plaintext auth is allowed.
 */
export class EmailChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<void> {
    const c = ctx.config;
    if (!c.smtp_host) throw new DeliveryError('email channel has no smtp_host', { retryable: false });
    if (!n.recipient) throw new DeliveryError('email notification has no recipient', { retryable: false });
    const auth = c.smtp_user && ctx.secret ? { user: c.smtp_user, pass: ctx.secret } : undefined;
    if (auth && c.starttls !== true && !ctx.policy.smtpAllowPlaintextAuth) {
      throw new DeliveryError('refusing to send the SMTP password without STARTTLS: set starttls: true on the channel', {
        retryable: false,
      });
    }
    const pinned = await pinDestination(c.smtp_host, ctx.policy, ctx.timeoutMs);
    const transport = createTransport({
      // The checked address is the one connected to; the name stays the TLS server name.
      host: pinned.address,
      ...(pinned.literal ? {} : { tls: { servername: pinned.host } }),
      port: c.smtp_port ?? 587,
      secure: false,
      requireTLS: c.starttls === true,
      ignoreTLS: c.starttls === false,
      auth,
      connectionTimeout: ctx.timeoutMs,
      greetingTimeout: ctx.timeoutMs,
      socketTimeout: ctx.timeoutMs,
    });
    try {
      await transport.sendMail({
        from: c.from ?? 'certctl@localhost',
        to: n.recipient,
        subject: n.subject,
        text: n.message,
        // The daily digest also gets a simple HTML part listing its items; other alerts are plain text.
        html: n.event === 'digest' ? digestHtml(n.payload) : undefined,
        headers: { 'X-Certctl-Notification-Id': n.id },
      });
    } catch (err) {
      const e = err as Error & { code?: string; responseCode?: number };
      throw new DeliveryError(`SMTP ${c.smtp_host}:${c.smtp_port ?? 587} failed: ${e.code ?? ''} ${e.responseCode ?? ''}`.trim(), {
        retryable: retryableSmtpFailure(e),
      });
    } finally {
      transport.close();
    }
  }
}

/** nodemailer codes of failures that repeat until the channel or the alert changes. */
const PERMANENT_SMTP_CODES = new Set(['EAUTH', 'EENVELOPE']);

/**
 * Whether an SMTP failure may succeed later. The server's reply decides when there is one:
 * 5xx is permanent (RFC 5321), 4xx transient (nodemailer reports both as EENVELOPE when a
 * recipient is refused). Without a reply, a refused login or an envelope nodemailer cannot
 * build is permanent; connection errors and timeouts are transient.
 */
export function retryableSmtpFailure(err: { code?: string; responseCode?: number }): boolean {
  if (err.responseCode !== undefined && err.responseCode >= 400 && err.responseCode < 600) return err.responseCode < 500;
  return !(err.code !== undefined && PERMANENT_SMTP_CODES.has(err.code));
}
