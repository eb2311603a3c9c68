import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../delivery/signature';
import { type ChannelSender, DeliveryError, type Outgoing, type SendContext } from './channel.types';
import { pinDestination, pinnedLookup } from './destination';

export const DEFAULT_URLS = {
  pagerduty: 'https://events.pagerduty.com/v2/enqueue',
  opsgenie: 'https://api.opsgenie.com/v2/alerts',
} as const;

/**
 * POSTs JSON to an address the policy allows (resolved once, the connection pinned to it).
 * Anything but 2xx (or a network error/timeout) is a failed attempt; redirects are not followed
 * and the answer's body is never read into the error (status and a short reason only).
 * Network errors and timeouts are retryable; see retryableStatus for answers.
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, ctx: SendContext): Promise<number> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DeliveryError('channel url is not a valid URL', PERMANENT);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DeliveryError('channel url must be http(s)', PERMANENT);
  const pinned = await pinDestination(u.hostname, ctx.policy, ctx.timeoutMs);
  const secure = u.protocol === 'https:';
  const options: https.RequestOptions = {
    host: pinned.literal ? pinned.address : pinned.host,
    port: Number(u.port || (secure ? 443 : 80)),
    path: `${u.pathname}${u.search}`,
    method: 'POST',
    headers: {
      host: u.host,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'certctl-notifications',
      connection: 'close',
      ...headers,
    },
    lookup: pinnedLookup(pinned),
    agent: false,
    signal: AbortSignal.timeout(ctx.timeoutMs),
    ...(secure && !pinned.literal ? { servername: pinned.host } : {}),
  };
  const status = await new Promise<number>((resolve, reject) => {
    const req = (secure ? https : http).request(options, (res) => {
      // Only the status matters: the body is dropped unread.
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.on('error', (err: Error & { code?: string }) => {
      const code = err.name === 'AbortError' || err.code === 'ABORT_ERR' ? 'timeout' : (err.code ?? err.name);
      reject(new DeliveryError(`request to ${safeUrl(url)} failed: ${code}`, TRANSIENT));
    });
    req.end(body);
  });
  if (status >= 200 && status < 300) return status;
  if (status >= 300 && status < 400)
    throw new DeliveryError(`${safeUrl(url)} answered ${status} (redirects are not followed)`, { ...PERMANENT, status });
  throw new DeliveryError(`${safeUrl(url)} answered ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`, {
    retryable: retryableStatus(status),
    status,
  });
}

const PERMANENT = { retryable: false } as const;
const TRANSIENT = { retryable: true } as const;
/** 4xx answers that are about timing or load, not about the request: worth another attempt. */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 425, 429]);

/**
 * Whether an answer other than 2xx may succeed on a later attempt: server errors and the
 * timing/load 4xx do; any other 4xx (bad URL path, revoked token, refused payload) and a
 * redirect (never followed) repeat until the channel is reconfigured.
 */
export function retryableStatus(status: number): boolean {
  if (status >= 300 && status < 400) return false;
  if (status >= 400 && status < 500) return RETRYABLE_CLIENT_ERRORS.has(status);
  return true;
}

/** The URL without credentials or query (incoming-webhook URLs carry tokens in the path for Slack/Teams: keep only the host). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid url)';
  }
}

function need(url: string | undefined): string {
  if (!url) throw new DeliveryError('channel has no url configured', PERMANENT);
  return url;
}

function body(n: Outgoing): Record<string, unknown> {
  return { id: n.id, event: n.event, severity: n.severity, subject: n.subject, message: n.message, data: n.payload };
}

/** Generic webhook: JSON body, HMAC-SHA256 signature over "<timestamp>.<body>" when a secret is set. */
export class WebhookChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<number> {
    const json = JSON.stringify(body(n));
    const ts = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { [TIMESTAMP_HEADER]: String(ts), 'x-certctl-notification-id': n.id };
    if (ctx.secret) headers[SIGNATURE_HEADER] = signWebhook(ctx.secret, ts, json);
    return postJson(need(ctx.config.url), json, headers, ctx);
  }
}

/** Slack incoming webhook. */
export class SlackChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<number> {
    const json = JSON.stringify({ text: `*${n.subject}*\n${n.message}` });
    return postJson(need(ctx.config.url), json, {}, ctx);
  }
}

/** Microsoft Teams incoming webhook (MessageCard). */
export class TeamsChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<number> {
    const color = n.severity === 'critical' ? 'D13438' : n.severity === 'warning' ? 'FFB900' : '0078D7';
    const json = JSON.stringify({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: color,
      title: n.subject,
      text: n.message,
    });
    return postJson(need(ctx.config.url), json, {}, ctx);
  }
}

/** PagerDuty Events API v2: the secret is the integration routing key. */
export class PagerDutyChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<number> {
    if (!ctx.secret) throw new DeliveryError('PagerDuty channel has no routing key', PERMANENT);
    const json = JSON.stringify({
      routing_key: ctx.secret,
      event_action: 'trigger',
      dedup_key: n.dedupeKey ?? n.id,
      payload: {
        summary: n.subject,
        source: 'certctl',
        severity: n.severity === 'critical' ? 'critical' : n.severity === 'warning' ? 'warning' : 'info',
        custom_details: n.payload,
      },
    });
    return postJson(ctx.config.url ?? DEFAULT_URLS.pagerduty, json, {}, ctx);
  }
}

/** OpsGenie Alerts API: the secret is the API key (GenieKey). */
export class OpsGenieChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<number> {
    if (!ctx.secret) throw new DeliveryError('OpsGenie channel has no API key', PERMANENT);
    const json = JSON.stringify({
      message: n.subject.slice(0, 130),
      alias: (n.dedupeKey ?? n.id).slice(0, 512),
      description: n.message,
      priority: n.severity === 'critical' ? 'P1' : n.severity === 'warning' ? 'P3' : 'P5',
      source: 'certctl',
      details: Object.fromEntries(Object.entries(n.payload).map(([k, v]) => [k, String(v)])),
    });
    return postJson(ctx.config.url ?? DEFAULT_URLS.opsgenie, json, { authorization: `GenieKey ${ctx.secret}` }, ctx);
  }
}
