import { createRootCa, exportPrivateKeyPem, generateKeyPair, signLeaf } from '@certctl/pki';
import type { IssuerService } from '../issuers/issuer.service';
import type { IssuedCertificateRepository } from './issued-certificate.repository';
import { PrivateKeyImportService } from './private-key-import.service';

describe('PrivateKeyImportService (fake repository and box)', () => {
  const box = { encrypt: jest.fn((plain: string, aad: string) => Buffer.from(`sealed(${aad}):${plain.length}`)), currentVersion: 3 };
  let leafPem = '';
  let keyPem = '';
  beforeAll(async () => {
    const root = await createRootCa({ commonName: 'Key Import Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
    const keys = await generateKeyPair('ECDSA-P256');
    leafPem = (await signLeaf({ issuer: root, subjectPublicKey: keys.publicKey, commonName: 'k.example.com', sans: ['k.example.com'] }))
      .certificatePem;
    keyPem = await exportPrivateKeyPem(keys.privateKey);
  });

  function setup() {
    const repo = { upsertImported: jest.fn(async () => undefined) };
    const svc = new PrivateKeyImportService(repo as unknown as IssuedCertificateRepository, { box } as unknown as IssuerService);
    return { svc, repo };
  }
  const request = (privateKeyPem: string) => ({
    actor: { principal: 'system:inventory', role: 'operator' },
    imported_by: 'ops',
    job_id: 'import-abc',
    issuer_id: 'iss-local',
    serial_number: '0a1b',
    certificate_pem: leafPem,
    chain_pem: '',
    private_key_pem: privateKeyPem,
  });

  it('a matching key is sealed with leaf-key:<job id> (as a server-generated key) into issued_certificates', async () => {
    const { svc, repo } = setup();
    await expect(svc.store(request(keyPem))).resolves.toEqual({ stored: true });
    expect(box.encrypt).toHaveBeenCalledWith(keyPem, 'leaf-key:import-abc');
    expect(repo.upsertImported).toHaveBeenCalledWith({
      jobId: 'import-abc',
      issuerId: 'iss-local',
      serialNumber: '0a1b',
      certificatePem: leafPem,
      chainPem: '',
      encryptedPrivateKey: Buffer.from(`sealed(leaf-key:import-abc):${keyPem.length}`),
      keyVersion: 3,
    });
  });

  it('another key, or no key at all, is a validation error on private_key_pem; nothing is stored', async () => {
    const { svc, repo } = setup();
    const other = await exportPrivateKeyPem((await generateKeyPair('ECDSA-P256')).privateKey);
    await expect(svc.store(request(other))).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'private_key_pem', message: "does not match the certificate's public key" }],
    });
    await expect(svc.store(request('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'))).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'private_key_pem', message: 'is not a readable unencrypted PEM private key' }],
    });
    expect(repo.upsertImported).not.toHaveBeenCalled();
  });
});
