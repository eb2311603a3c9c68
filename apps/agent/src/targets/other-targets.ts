import { dovecotConnector } from './dovecot';
import { keystoreConnector } from './keystore';
import { postfixConnector } from './postfix';
import { sshConnector } from './ssh';
import type { TargetConnector } from './target';

/** The mail, keystore and SSH connectors, for the agent's registry of target types. */
export const otherConnectors: TargetConnector[] = [
  postfixConnector,
  dovecotConnector,
  keystoreConnector,
  sshConnector,
] as TargetConnector[];
