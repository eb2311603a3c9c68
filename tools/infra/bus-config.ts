// Bus credentials (docs/architecture.md, "Bus credentials").
//   node dist/tools/bus-config.js                  npm start: creates <data dir>/bus-credentials.json (one NATS
//                                                  user per service, principal keys; 0600, kept across runs) and
//                                                  writes the nats-server configuration to <data dir>/nats/nats.conf;
//                                                  prints that path
//   node dist/tools/bus-config.js env <service>    that service's bus environment (KEY=value lines)
//   node dist/tools/bus-config.js secrets-env      fresh secrets as KEY=value lines for a deployment (compose .env)
//   node dist/tools/bus-config.js nats-conf [file] the nats-server configuration from NATS_PASSWORD_<SERVICE>
//                                                  variables (deployments), to stdout or into file (0600)
import { join } from 'node:path';
import { BUS_SERVICES } from '@certctl/contracts';
import {
  type BusCredentials,
  busEnvFor,
  ensureBusSecrets,
  generateBusSecrets,
  natsServerConfig,
  writeNatsConfig,
} from '@certctl/messaging';
import { dataDir } from '@certctl/testing';

/** Optional TLS of the NATS server (clients then set NATS_TLS_CA_FILE). */
function tlsLines(): string[] {
  const cert = process.env.CERTCTL_NATS_TLS_CERT_FILE;
  const key = process.env.CERTCTL_NATS_TLS_KEY_FILE;
  return cert && key ? [`tls { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(key)} }`] : [];
}

const passwordVar = (service: string) => `NATS_PASSWORD_${service.toUpperCase()}`;
const [cmd, arg] = process.argv.slice(2);

if (cmd === 'secrets-env') {
  const s = generateBusSecrets();
  const lines = [
    '# NATS: one user per service (user name = service name)',
    ...BUS_SERVICES.map((svc) => `${passwordVar(svc)}=${s.nats[svc].password}`),
    '# Redis password',
    `REDIS_PASSWORD=${generateBusSecrets().nats.gateway.password}`,
    '# Signed principals: each signer keeps its signing key; every service gets the verify keys',
    ...Object.entries(s.principal).map(([svc, k]) => `CERTCTL_PRINCIPAL_SIGNING_KEY_${svc.toUpperCase()}=${k!.signingKey}`),
    ...Object.entries(busEnvFor('inventory', s))
      .filter(([k]) => k.startsWith('CERTCTL_PRINCIPAL_VERIFY'))
      .map(([k, v]) => `${k}=${v}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} else if (cmd === 'nats-conf') {
  const missing = BUS_SERVICES.filter((svc) => !process.env[passwordVar(svc)]);
  if (missing.length) {
    process.stderr.write(`bus-config: set ${missing.map(passwordVar).join(', ')}\n`);
    process.exit(2);
  }
  const creds = Object.fromEntries(
    BUS_SERVICES.map((svc) => [svc, { user: svc, password: process.env[passwordVar(svc)]! }]),
  ) as BusCredentials;
  if (arg) writeNatsConfig(arg, { nats: creds, principal: {} }, tlsLines());
  else process.stdout.write(natsServerConfig(creds, tlsLines()));
} else {
  const secrets = ensureBusSecrets(process.env.CERTCTL_BUS_CREDENTIALS_FILE || join(dataDir(), 'bus-credentials.json'));
  if (cmd === 'env') {
    for (const [k, v] of Object.entries(busEnvFor(arg ?? '', secrets))) process.stdout.write(`${k}=${v}\n`);
  } else {
    const file = join(dataDir(), 'nats', 'nats.conf');
    writeNatsConfig(file, secrets, tlsLines());
    process.stdout.write(`${file}\n`);
  }
}
