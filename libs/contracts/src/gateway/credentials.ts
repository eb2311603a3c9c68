import { z } from 'zod';
import { contract } from '../contract';

/**
 * What every gateway replica keeps in memory about callers, and the events that drop it.
 * Published on core NATS (not stored: a replica that was away starts with an empty cache, and
 * one that reconnects empties its own), received by every replica (no queue group).
 */
export const GatewayCredentialEvents = {
  /** An API key was disabled, enabled, rotated or deleted: every replica forgets what it knew of it. */
  apiKeyChanged: contract({
    subject: 'certctl.v1.events.api_key.changed',
    emitters: ['gateway'],
    consumers: ['gateway'],
    payload: z.object({
      key_id: z.string().min(1).max(128),
      change: z.enum(['disabled', 'enabled', 'rotated', 'deleted', 'updated']),
    }),
  }),
  /** An agent was retired: every replica answers its routes 410 from now on. */
  agentRetired: contract({
    subject: 'certctl.v1.events.agent.retired',
    emitters: ['gateway'],
    consumers: ['gateway'],
    payload: z.object({ agent_id: z.string().min(1).max(128) }),
  }),
} as const;
