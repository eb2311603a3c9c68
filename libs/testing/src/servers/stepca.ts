// Test-only: a real smallstep step-ca (built once by tools/stepca/install-step-ca.sh) on a
// loopback port: a root and an intermediate made with openssl, a JWK provisioner whose key is
// made with jose and sealed with a password the way `step ca provisioner add` seals it, CRLs
// generated on revocation, its database and logs in a temporary directory.
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { CompactEncrypt, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { OPENSSL_SUB_CA_EXT, opensslCa } from '../openssl-ca';
import { ROOT } from '../paths';
import { waitFor } from '../wait-for';
import { releasePorts, removeDir, reservePort, serverTempDir, stopPid } from './support';

export interface StepCaServer {
  /** https://127.0.0.1:<port> */
  url: string;
  dir: string;
  rootPem: string;
  /** SHA-256 of the root certificate, lowercase hex (what `step certificate fingerprint` prints). */
  rootFingerprint: string;
  provisioner: string;
  /** The provisioner's encryptedKey, as in ca.json. */
  encryptedKey: string;
  password: string;
  /** The serials (lowercase hex) in step-ca's current CRL. */
  revokedSerials(): Promise<string[]>;
  /** step-ca's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** The step-ca binary, built once per machine under the data directory. */
export function stepCaBinary(): string {
  const out = execFileSync('bash', [join(ROOT, 'tools', 'stepca', 'install-step-ca.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop()!;
}

/** A JWK provisioner key: the public JWK step-ca checks tokens with, and the private one sealed with `password` (PBES2). */
async function provisionerKey(password: string): Promise<{ publicJwk: Record<string, unknown>; encryptedKey: string }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const priv = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  const encryptedKey = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(priv)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: 100000 })
    .encrypt(new TextEncoder().encode(password));
  return { publicJwk: { ...pub, kid, alg: 'ES256', use: 'sig' }, encryptedKey };
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Starts step-ca with one JWK provisioner (`provisioner`, its key sealed with `password`). */
export async function startStepCa(o: { provisioner?: string; password?: string } = {}): Promise<StepCaServer> {
  const binary = stepCaBinary();
  const provisioner = o.provisioner ?? 'certctl';
  const password = o.password ?? 'provisioner-password';
  const dir = serverTempDir('stepca');
  opensslCa(dir, 'root', null, 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash', {
    subject: '/O=certctl tests/CN=step-ca test root',
  });
  opensslCa(dir, 'intermediate', 'root', OPENSSL_SUB_CA_EXT, { subject: '/O=certctl tests/CN=step-ca test intermediate' });
  const port = await reservePort();
  const { publicJwk, encryptedKey } = await provisionerKey(password);
  const config = {
    root: join(dir, 'root.pem'),
    crt: join(dir, 'intermediate.pem'),
    key: join(dir, 'intermediate.key'),
    address: `127.0.0.1:${port}`,
    dnsNames: ['127.0.0.1', 'localhost'],
    logger: { format: 'text' },
    db: { type: 'bbolt', dataSource: join(dir, 'db') },
    crl: { enabled: true, generateOnRevoke: true },
    authority: {
      claims: { minTLSCertDuration: '5m', maxTLSCertDuration: '2400h', defaultTLSCertDuration: '24h' },
      provisioners: [{ type: 'JWK', name: provisioner, key: publicJwk, encryptedKey }],
    },
    tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
  };
  writeFileSync(join(dir, 'ca.json'), JSON.stringify(config, null, 2));
  const logFile = join(dir, 'step-ca.log');
  const out = openSync(logFile, 'a');
  const child = spawn(binary, [join(dir, 'ca.json')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, STEPPATH: dir },
    stdio: ['ignore', out, out],
  });
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  const url = `https://127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, 'utf8');
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`step-ca exited with ${child.exitCode}: ${log().slice(-2000)}`);
        const res = await httpsGet(`${url}/health`, rootPem).catch(() => null);
        return res?.status === 200 ? true : undefined;
      },
      30000,
      'step-ca to answer /health',
    );
  } catch (err) {
    await stopPid(child.pid!);
    throw err;
  }
  return {
    url,
    dir,
    rootPem,
    rootFingerprint: new X509Certificate(rootPem).fingerprint256.replace(/:/g, '').toLowerCase(),
    provisioner,
    encryptedKey,
    password,
    log,
    revokedSerials: async () => {
      const crl = await httpsGet(`${url}/1.0/crl`, rootPem);
      if (crl.status !== 200) throw new Error(`step-ca /1.0/crl answered ${crl.status}: ${crl.body.toString('utf8')}`);
      const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: crl.body, encoding: 'utf8' });
      return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase().replace(/^0+(?=.)/, ''));
    },
    stop: async () => {
      await stopPid(child.pid!);
      releasePorts([port]);
      removeDir(dir);
    },
  };
}
