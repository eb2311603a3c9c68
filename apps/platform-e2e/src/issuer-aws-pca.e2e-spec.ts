import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MotoServer, createMotoPrivateCa, motoRevokedSerials, startMoto } from '@certctl/testing';
import { connectorCertificateBody, settledJob } from './issuer-connector-support';
import { api, auditRows, expectProblem } from './http';

/**
 * The `aws-acm-pca` issuer connector against moto in server mode (an emulator of AWS Private
 * CA, tools/aws/install-moto.sh): a root private CA made and activated there with the AWS SDK,
 * then issue, renew and revoke through the platform's REST API.
 */

jest.setTimeout(240000);

const run = Date.now().toString(36);

/** `openssl verify` of the leaf against the CA certificate moto holds; returns openssl's output. */
function verifyAgainst(caPem: string, leafPem: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-pca-'));
  writeFileSync(join(dir, 'ca.pem'), caPem);
  writeFileSync(join(dir, 'leaf.pem'), leafPem);
  return execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
}

/** The serial as AWS Private CA's RevokeCertificate names it: uppercase byte pairs with colons. */
function awsSerialOf(certificatePem: string): string {
  return new X509Certificate(certificatePem).serialNumber.toUpperCase().match(/../g)!.join(':');
}

describe('aws-acm-pca issuer connector against moto', () => {
  let moto: MotoServer;
  let ca: { arn: string; certificatePem: string };
  let config: Record<string, unknown>;

  beforeAll(async () => {
    moto = await startMoto();
    ca = await createMotoPrivateCa(moto);
    config = {
      region: moto.region,
      certificate_authority_arn: ca.arn,
      endpoint: moto.endpoint,
      access_key_id: moto.credentials.accessKeyId,
      secret_access_key: moto.credentials.secretAccessKey,
    };
  });
  afterAll(() => moto?.stop());

  it('ok/issue, renew and revoke through the platform: leaves verify against the CA certificate in moto, the revocation reaches it', async () => {
    const created = await api('POST', '/api/v1/issuers', {
      body: { id: `iss-pca-${run}`, name: `AWS PCA ${run}`, type: 'aws-acm-pca', config },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'aws-acm-pca',
      config: { certificate_authority_arn: ca.arn, secret_access_key: '********' },
    });
    expect(JSON.stringify(created.body)).not.toContain(moto.credentials.secretAccessKey);
    const audit = await auditRows('issuer.create', created.body.id);
    expect(audit[0]!.actor).toMatch(/.+/);

    const tested = await api('POST', `/api/v1/issuers/${created.body.id}/test`);
    expect(tested.body).toMatchObject({ ok: true, detail: expect.stringContaining('is ACTIVE') });

    const name = `pca-${run}`;
    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(name, created.body.id) });
    expect(cert.status).toBe(201);
    await settledJob(cert.body.job_id, 'completed');
    const first = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
    expect(first).toMatchObject({ status: 'active', current_version: { issuer_id: created.body.id } });
    expect(verifyAgainst(ca.certificatePem, first.certificate_pem)).toContain(': OK');
    expect(new X509Certificate(first.chain_pem).fingerprint256).toBe(new X509Certificate(ca.certificatePem).fingerprint256);
    expect(new X509Certificate(first.certificate_pem).subjectAltName).toContain(`DNS:www.${name}.example.test`);

    const renewal = await api('POST', `/api/v1/certificates/${cert.body.id}/renew`);
    expect(renewal.status).toBe(202);
    await settledJob(renewal.body.job_id, 'completed');
    const renewed = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
    expect(renewed.serial_number).not.toBe(first.serial_number);
    expect(verifyAgainst(ca.certificatePem, renewed.certificate_pem)).toContain(': OK');

    const revoked = await api('POST', `/api/v1/certificates/${cert.body.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('revoked');
    expect(await motoRevokedSerials(moto, ca.arn)).toEqual({ [awsSerialOf(renewed.certificate_pem)]: 'KEY_COMPROMISE' });
  });

  it('fail/a CA ARN moto does not know: the issuer test answers ok=false naming it, issuance fails terminally (no 500)', async () => {
    const missing = ca.arn.replace(/certificate-authority\/.*$/, 'certificate-authority/00000000-0000-0000-0000-000000000000');
    const created = await api('POST', '/api/v1/issuers', {
      body: { name: `AWS PCA missing ${run}`, type: 'aws-acm-pca', config: { ...config, certificate_authority_arn: missing } },
    });
    expect(created.status).toBe(201);
    const tested = await api('POST', `/api/v1/issuers/${created.body.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, detail: expect.stringContaining('ResourceNotFoundException') });

    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(`pca-missing-${run}`, created.body.id) });
    expect(cert.status).toBe(201);
    const job = await settledJob(cert.body.job_id, 'failed');
    expect(job.attempts).toBe(1);
    expect(job.last_error).toMatch(/^issuer_failure: AWS Private CA DescribeCertificateAuthority failed: ResourceNotFoundException/);
  });

  it('fail/bad configs are 422s naming each field', async () => {
    const bad = await api('POST', '/api/v1/issuers', {
      body: {
        name: `AWS PCA bad ${run}`,
        type: 'aws-acm-pca',
        config: {
          region: 'Europe',
          certificate_authority_arn: 'arn:aws:acm:eu-west-1:1:certificate/x',
          endpoint: 'http://pca.example.com',
        },
      },
    });
    expectProblem(bad, 422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'config.certificate_authority_arn',
      'config.endpoint',
      'config.region',
    ]);
    const halfKey = await api('POST', '/api/v1/issuers', {
      body: { name: `AWS PCA half key ${run}`, type: 'aws-acm-pca', config: { ...config, access_key_id: undefined } },
    });
    expectProblem(halfKey, 422);
    expect(halfKey.body.errors).toEqual([{ field: 'config.access_key_id', message: 'is required with secret_access_key/session_token' }]);
  });
});
