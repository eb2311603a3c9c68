import { awsAcmConnector } from './aws-acm';
import { directoryConnector } from './directory';
import type { TargetConnector } from './target';
import { webServerConnectors } from './web-servers';
import { otherConnectors } from './other-targets';

/**
 * The connector of each target type this agent can deploy to: one line per type
 * (`<type>: <connector>` from `./<type>`).
 */
const CONNECTORS: Record<string, TargetConnector<never>> = {
  directory: directoryConnector as TargetConnector<never>,
  'aws-acm': awsAcmConnector as TargetConnector<never>,
  ...Object.fromEntries(
    [...webServerConnectors, ...otherConnectors].map((connector) => [connector.type, connector as TargetConnector<never>]),
  ),
};

/** The connector for a target type, or undefined when this agent has none. */
export function connectorFor(type: string): TargetConnector<unknown> | undefined {
  return Object.hasOwn(CONNECTORS, type) ? (CONNECTORS[type] as TargetConnector<unknown>) : undefined;
}

export function knownTargetTypes(): string[] {
  return Object.keys(CONNECTORS).sort();
}
