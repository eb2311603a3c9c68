import { startNginx } from '@certctl/testing';
import { describeWebServerTarget } from '../../../test/web-server-scenario';
import { nginxConnector } from './index';

describeWebServerTarget('nginx', {
  connector: nginxConnector,
  start: startNginx,
  keyFiles: (config) => [String(config.key_path)],
  serverError: /unknown directive "certctl_broken_directive"/,
});
