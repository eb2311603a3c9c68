import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../delivery/signature';
import { type ChannelSender, DeliveryError, type Outgoing, type SendContext } from './channel.types';

export const DEFAULT_URLS = {
  pagerduty: 'https://events.pagerduty.com/v2/enqueue',
  opsgenie: 'https://api.opsgenie.com/v2/alerts',
} as const;

/** POSTs JSON; anything but 2xx (or a network error/timeout) is a failed attempt. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'certctl-notifications', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new DeliveryError(`request to ${safeUrl(url)} failed: ${e.cause?.code ?? e.name}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new DeliveryError(`${safeUrl(url)} answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
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
  if (!url) throw new DeliveryError('channel has no url configured');
  return url;
}

function body(n: Outgoing): Record<string, unknown> {
  return { id: n.id, event: n.event, severity: n.severity, subject: n.subject, message: n.message, data: n.payload };
}

/** Generic webhook: JSON body, HMAC-SHA256 signature over "<timestamp>.<body>" when a secret is set. */
export class WebhookChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<void> {
    const json = JSON.stringify(body(n));
    const ts = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { [TIMESTAMP_HEADER]: String(ts), 'x-certctl-notification-id': n.id };
    if (ctx.secret) headers[SIGNATURE_HEADER] = signWebhook(ctx.secret, ts, json);
    await postJson(need(ctx.config.url), json, headers, ctx.timeoutMs);
  }
}

/** Slack incoming webhook. */
export class SlackChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<void> {
    const json = JSON.stringify({ text: `*${n.subject}*\n${n.message}` });
    await postJson(need(ctx.config.url), json, {}, ctx.timeoutMs);
  }
}

/** Microsoft Teams incoming webhook (MessageCard). */
export class TeamsChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<void> {
    const color = n.severity === 'critical' ? 'D13438' : n.severity === 'warning' ? 'FFB900' : '0078D7';
    const json = JSON.stringify({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: color,
      title: n.subject,
      text: n.message,
    });
    await postJson(need(ctx.config.url), json, {}, ctx.timeoutMs);
  }
}

/** PagerDuty Events API v2: the secret is the integration routing key. */
export class PagerDutyChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<void> {
    if (!ctx.secret) throw new DeliveryError('PagerDuty channel has no routing key');
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
    await postJson(ctx.config.url ?? DEFAULT_URLS.pagerduty, json, {}, ctx.timeoutMs);
  }
}

/** OpsGenie Alerts API: the secret is the API key (GenieKey). */
export class OpsGenieChannel implements ChannelSender {
  async send(n: Outgoing, ctx: SendContext): Promise<void> {
    if (!ctx.secret) throw new DeliveryError('OpsGenie channel has no API key');
    const json = JSON.stringify({
      message: n.subject.slice(0, 130),
      alias: (n.dedupeKey ?? n.id).slice(0, 512),
      description: n.message,
      priority: n.severity === 'critical' ? 'P1' : n.severity === 'warning' ? 'P3' : 'P5',
      source: 'certctl',
      details: Object.fromEntries(Object.entries(n.payload).map(([k, v]) => [k, String(v)])),
    });
    await postJson(ctx.config.url ?? DEFAULT_URLS.opsgenie, json, { authorization: `GenieKey ${ctx.secret}` }, ctx.timeoutMs);
  }
}
