import type { Prisma } from '@certctl/database';
import type { NotificationDto } from '@certctl/contracts';

export function toNotificationDto(n: Prisma.NotificationEventModel): NotificationDto {
  return {
    id: n.id,
    event: n.type,
    certificate_id: n.certificateId,
    channel: n.channel,
    channel_id: n.channelId,
    recipient: n.recipient,
    subject: n.subject,
    message: n.message,
    severity: n.severity,
    status: n.status,
    retry_count: n.retryCount,
    next_retry_at: n.nextRetryAt?.toISOString() ?? null,
    last_error: n.lastError,
    delivered_attempt: n.deliveredAttempt,
    sent_at: n.sentAt?.toISOString() ?? null,
    created_at: n.createdAt.toISOString(),
  };
}
