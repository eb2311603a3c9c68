import { startApache } from '@certctl/testing';
import { describeWebServerTarget } from '../../../test/web-server-scenario';
import { apacheConnector } from './index';

describeWebServerTarget('apache', {
  connector: apacheConnector,
  start: startApache,
  keyFiles: (config) => [String(config.key_path)],
  serverError: /Invalid command 'CertctlBrokenDirective'/,
});
