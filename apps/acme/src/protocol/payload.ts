import { AcmeError } from './errors';

/** A JWS payload as a JSON object; POST-as-GET (no payload) reads as `{}`. */
export function asObject(payload: unknown): Record<string, unknown> {
  if (payload === undefined) return {};
  if (!payload || typeof payload !== 'object' || Array.isArray(payload))
    throw new AcmeError('malformed', 'the JWS payload must be a JSON object');
  return payload as Record<string, unknown>;
}
