import type { Provider } from '@nestjs/common';
import { AcmeConnector } from './acme.connector';
import { AwsAcmPcaConnector } from './aws-acm-pca.connector';
import type { Connector } from './connector';
import { CONNECTORS, ConnectorRegistry } from './connector-registry';
import { ConnectorIssuerService } from './connector-issuers.service';
import { LocalConnector } from './local.connector';
import { ScriptConnector } from './script.connector';
import { StepcaConnector } from './stepca.connector';

/** Every connector this service runs: a new CA type is one file implementing Connector, added here. */
const CONNECTOR_CLASSES = [LocalConnector, ScriptConnector, AcmeConnector, AwsAcmPcaConnector, StepcaConnector];

export const connectorProviders: Provider[] = [
  ...CONNECTOR_CLASSES,
  { provide: CONNECTORS, useFactory: (...connectors: Connector[]) => connectors, inject: CONNECTOR_CLASSES },
  ConnectorRegistry,
  ConnectorIssuerService,
];

export { ConnectorRegistry } from './connector-registry';
export { ConnectorIssuerService } from './connector-issuers.service';
