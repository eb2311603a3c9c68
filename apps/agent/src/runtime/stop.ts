import { GatewayError } from '../client/http';

/** Ends the agent: 0 when the server retired it (410), 3 when it refuses its credentials (401/403). */
export class AgentStop extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'AgentStop';
  }
}

/** The stop an error means, if any (every call of every loop goes through this). */
export function stopFor(err: unknown): AgentStop | undefined {
  if (err instanceof AgentStop) return err;
  if (!(err instanceof GatewayError)) return undefined;
  if (err.status === 410) return new AgentStop(0, `the server retired this agent: ${err.detail}`);
  if (err.status === 401 || err.status === 403) {
    return new AgentStop(3, `the server refused this agent's credentials (HTTP ${err.status}): ${err.detail}`);
  }
  return undefined;
}

/** Worth retrying: network failures, timeouts, 5xx, 408 and 429. A 4xx otherwise will not change by waiting. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return true;
  return err.status >= 500 || err.status === 408 || err.status === 429;
}
