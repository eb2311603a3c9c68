// Bus credentials for the local stack (tools/infra/up.sh): creates <data dir>/bus-credentials.json
// (one NATS user per service, principal signing keys; mode 0600, kept across runs) and writes
// the nats-server configuration generated from the contracts to <data dir>/nats/nats.conf.
// Usage: node dist/tools/bus-config.js            (prints the configuration file's path)
//        node dist/tools/bus-config.js env <svc>  (prints that service's bus environment, KEY=value lines)
import { join } from 'node:path';
import { busEnvFor, ensureBusSecrets, writeNatsConfig } from '@certctl/messaging';
import { dataDir } from '@certctl/testing';

const dir = dataDir();
const secretsFile = process.env.CERTCTL_BUS_CREDENTIALS_FILE || join(dir, 'bus-credentials.json');
const secrets = ensureBusSecrets(secretsFile);
const [cmd, service] = process.argv.slice(2);
if (cmd === 'env') {
  for (const [k, v] of Object.entries(busEnvFor(service ?? '', secrets))) process.stdout.write(`${k}=${v}\n`);
} else {
  // Optional TLS for clients (they set NATS_TLS_CA_FILE and use the tls:// or nats:// URL).
  const cert = process.env.CERTCTL_NATS_TLS_CERT_FILE;
  const key = process.env.CERTCTL_NATS_TLS_KEY_FILE;
  const extra = cert && key ? [`tls { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(key)} }`] : [];
  const file = join(dir, 'nats', 'nats.conf');
  writeNatsConfig(file, secrets, extra);
  process.stdout.write(`${file}\n`);
}
