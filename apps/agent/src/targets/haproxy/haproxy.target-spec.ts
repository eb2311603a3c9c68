import { startHaproxy } from '@certctl/testing';
import { describeWebServerTarget } from '../../../test/web-server-scenario';
import { haproxyConnector } from './index';

describeWebServerTarget('haproxy', {
  connector: haproxyConnector,
  start: startHaproxy,
  keyFiles: (config) => [String(config.pem_path)],
  serverError: /certctl-broken-keyword/,
});
