import type { IncomingResponse, ProducerDeserializer } from '@nestjs/microservices';
import type { z } from 'zod';
import { AppError } from '@certctl/contracts';

/** Why a reply could not be read as the transport's envelope. */
export type MalformedReplyReason = 'not_json' | 'not_envelope';

/**
 * A reply that is not JSON, or JSON that is not the transport's envelope
 * `{ id, response | err | isDisposed }`: no service of ours answers like that, so this is a bug
 * or a stranger on the subject, never an answer.
 */
export class RpcMalformedReplyError extends AppError {
  constructor(
    readonly subject: string,
    readonly reason: MalformedReplyReason,
  ) {
    super(
      'internal',
      `the service answering ${subject} sent a reply that is ${reason === 'not_json' ? 'not JSON' : 'not a reply envelope'}`,
    );
  }
}

/** A well-formed reply whose response fails the contract's response schema. */
export class RpcContractViolationError extends AppError {
  constructor(
    readonly subject: string,
    readonly issues: z.ZodIssue[],
  ) {
    super('internal', 'a service answered with a malformed reply');
  }
}

/**
 * What the deserializer hands the transport for a reply it could not read. It travels as the
 * reply's error (the transport routes it to the waiting request); RpcClient, which knows the
 * subject, turns it into an RpcMalformedReplyError.
 */
export class UnreadableReply {
  constructor(
    readonly reason: MalformedReplyReason,
    /** The start of the reply, for the log. */
    readonly sample: string,
  ) {}
}

const SAMPLE_CHARS = 120;

function isEnvelope(value: unknown): value is IncomingResponse {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const envelope = value as Record<string, unknown>;
  return typeof envelope.id === 'string' && ('response' in envelope || 'err' in envelope || 'isDisposed' in envelope);
}

/**
 * Reads a NATS reply as the transport's envelope. Unlike the transport's default (which throws
 * inside the subscription on bad JSON, so the request only times out, and takes any other JSON as
 * the response itself), a reply that is not an envelope becomes an UnreadableReply error at once.
 */
export class ReplyEnvelopeDeserializer implements ProducerDeserializer {
  deserialize(value: Uint8Array): IncomingResponse {
    const text = Buffer.from(value).toString('utf8');
    let decoded: unknown;
    try {
      decoded = JSON.parse(text);
    } catch {
      return { id: '', err: new UnreadableReply('not_json', text.slice(0, SAMPLE_CHARS)), isDisposed: true };
    }
    if (!isEnvelope(decoded)) return { id: '', err: new UnreadableReply('not_envelope', text.slice(0, SAMPLE_CHARS)), isDisposed: true };
    return decoded;
  }
}
