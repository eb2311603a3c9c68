// Test-only: moto in server mode (tools/aws/install-moto.sh installs it once, pinned, in a venv
// under the data dir), the local stand-in for AWS Private CA and AWS Certificate Manager.
// One process per test file on a loopback port of this checkout's range, stopped by its PID.
import { execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { waitForPort } from '../infra';
import { ROOT } from '../paths';
import { releasePorts, removeDir, reservePort, serverTempDir, stopPid } from './support';

export interface MotoServer {
  /** http://127.0.0.1:<port>: the `endpoint` an AWS SDK client (and an issuer or target config) is given. */
  endpoint: string;
  region: string;
  /** Static credentials moto accepts (it checks none). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/** Installs moto when missing (idempotent) and answers the moto_server executable. */
export function motoServerBinary(): string {
  const out = execFileSync('bash', [join(ROOT, 'tools', 'aws', 'install-moto.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.trim().split('\n').pop()!;
}

/** Starts `moto_server` on 127.0.0.1 (every AWS service it emulates, one in-memory account). */
export async function startMoto(region = 'us-east-1'): Promise<MotoServer> {
  const binary = motoServerBinary();
  const dir = serverTempDir('moto');
  const port = await reservePort();
  const log = openSync(join(dir, 'moto.log'), 'a');
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { cwd: dir, stdio: ['ignore', log, log] });
  await waitForPort(port, 60000).catch(async (err: Error) => {
    await stopPid(child.pid!);
    releasePorts([port]);
    throw new Error(`${err.message}; moto's log is ${join(dir, 'moto.log')}`);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials: { accessKeyId: 'AKIAMOTOTESTING00000', secretAccessKey: 'moto-accepts-any-secret' },
    stop: async () => {
      await stopPid(child.pid!);
      releasePorts([port]);
      removeDir(dir);
    },
  };
}

/**
 * A root private CA in moto, made the way AWS Private CA makes one: CreateCertificateAuthority,
 * its CSR signed with the RootCACertificate/V1 template, the certificate imported (status ACTIVE).
 */
export async function createMotoPrivateCa(
  moto: MotoServer,
  commonName = 'certctl moto root',
): Promise<{ arn: string; certificatePem: string }> {
  const pca = await import('@aws-sdk/client-acm-pca');
  const client = new pca.ACMPCAClient({ region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials });
  try {
    const created = await client.send(
      new pca.CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'RSA_2048',
          SigningAlgorithm: 'SHA256WITHRSA',
          Subject: { CommonName: commonName, Organization: 'certctl tests' },
        },
      }),
    );
    const arn = created.CertificateAuthorityArn!;
    const { Csr } = await client.send(new pca.GetCertificateAuthorityCsrCommand({ CertificateAuthorityArn: arn }));
    const issued = await client.send(
      new pca.IssueCertificateCommand({
        CertificateAuthorityArn: arn,
        Csr: Buffer.from(Csr!),
        SigningAlgorithm: 'SHA256WITHRSA',
        TemplateArn: 'arn:aws:acm-pca:::template/RootCACertificate/V1',
        Validity: { Type: 'YEARS', Value: 10 },
      }),
    );
    const { Certificate } = await client.send(
      new pca.GetCertificateCommand({ CertificateAuthorityArn: arn, CertificateArn: issued.CertificateArn! }),
    );
    await client.send(
      new pca.ImportCertificateAuthorityCertificateCommand({ CertificateAuthorityArn: arn, Certificate: Buffer.from(Certificate!) }),
    );
    return { arn, certificatePem: `${Certificate!.trim()}\n` };
  } finally {
    client.destroy();
  }
}

/** What moto recorded as revoked on a private CA (its /moto-api/data.json state): CertificateSerial → RevocationReason. */
export async function motoRevokedSerials(moto: MotoServer, caArn: string): Promise<Record<string, string>> {
  const state = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as {
    acmpca?: { CertificateAuthority?: { arn: string; revoked_certificates: Record<string, { revocation_reason: string }> }[] };
  };
  const ca = state.acmpca?.CertificateAuthority?.find((c) => c.arn === caArn);
  if (!ca) throw new Error(`moto has no private CA ${caArn}`);
  return Object.fromEntries(Object.entries(ca.revoked_certificates).map(([serial, r]) => [serial, r.revocation_reason]));
}
