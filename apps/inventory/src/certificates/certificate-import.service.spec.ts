import { Events, IssuancePrivateKey } from '@certctl/contracts';
import { type CreatedCa, createRootCa, generateKeyPair, signLeaf } from '@certctl/pki';
import type { InventoryConfig } from '../config';
import type { CertificateImportRepository, ImportedCertificate } from './certificate-import.repository';
import { CertificateImportService } from './certificate-import.service';

let ca: CreatedCa;
let leafPem: string;
beforeAll(async () => {
  ca = await createRootCa({ commonName: 'Import Unit Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  const keys = await generateKeyPair('ECDSA-P256');
  leafPem = (
    await signLeaf({
      issuer: ca,
      subjectPublicKey: keys.publicKey,
      commonName: 'api.example.com',
      sans: ['api.example.com'],
      validityDays: 10,
    })
  ).certificatePem;
});

const config = {
  CERTCTL_DISCOVERY_IMPORT_ISSUER_ID: 'iss-local',
  CERTCTL_DISCOVERY_IMPORT_OWNER_ID: 'o-alice',
  CERTCTL_DISCOVERY_IMPORT_TEAM_ID: 't-platform',
  CERTCTL_DISCOVERY_IMPORT_RENEWAL_POLICY_ID: 'rp-standard',
} as InventoryConfig;
const actor = { principal: 'ops', role: 'operator' };
const now = new Date('2026-12-01T00:00:00.000Z');

function setup(alreadyManagedBy: string | null = null) {
  const created: ImportedCertificate[] = [];
  const repo = {
    managedWithFingerprint: jest.fn(async () => alreadyManagedBy),
    create: jest.fn(async (imported: ImportedCertificate) => {
      created.push(imported);
      const { certificate, version } = imported;
      return {
        certificate: {
          ...certificate,
          profileId: null,
          agentId: null,
          currentVersionId: version.id,
          createdBy: '',
          revokedAt: null,
          revocationReason: null,
          createdAt: now,
          updatedAt: now,
        },
        version: { ...version, jobId: null, ariWindowStart: null, ariWindowEnd: null, createdAt: now },
      };
    }),
  };
  const rpc = { emit: jest.fn(async () => undefined), request: jest.fn(async () => ({ stored: true })) };
  const svc = new CertificateImportService(repo as unknown as CertificateImportRepository, rpc as never, config);
  return { svc, repo, rpc, created };
}

const body = (over: Record<string, unknown> = {}) => ({ certificate_pem: leafPem, chain_pem: '', environment: '', tags: {}, ...over });

describe('CertificateImportService (fake repository)', () => {
  it('makes an active managed certificate from the PEM: names, validity and serial from the certificate, the defaults where nothing is named', async () => {
    const { svc, created, rpc } = setup();
    const out = await svc.import({ actor, body: body({ chain_pem: ca.certificatePem }) });
    expect(out.certificate).toMatchObject({
      common_name: 'api.example.com',
      sans: ['api.example.com'],
      status: 'active',
      issuer_id: 'iss-local',
      owner_id: 'o-alice',
      source: 'import',
      chain_pem: expect.stringContaining('BEGIN CERTIFICATE'),
    });
    expect(out.certificate.name).toMatch(/^imported-api\.example\.com-[0-9a-f]{8}$/);
    expect(out.fingerprint_sha256).toBe(created[0]!.version.fingerprintSha256);
    expect(created[0]!.version).toMatchObject({ keySource: 'agent', chainPem: expect.stringContaining('BEGIN CERTIFICATE') });
    expect(rpc.emit).toHaveBeenCalledWith(Events.certificateCreated, { certificate_id: out.certificate.id, actor: 'ops' });
  });

  it('takes the name, owner, team, policy and issuer it is given', async () => {
    const { svc, created } = setup();
    await svc.import({
      actor,
      body: body({ name: 'api-prod', owner_id: 'o-bob', team_id: 't-web', renewal_policy_id: 'rp-x', issuer_id: 'iss-2' }),
    });
    expect(created[0]!.certificate).toMatchObject({
      name: 'api-prod',
      ownerId: 'o-bob',
      teamId: 't-web',
      renewalPolicyId: 'rp-x',
      issuerId: 'iss-2',
    });
  });

  it('a certificate already managed is a conflict naming the managed certificate; nothing is written', async () => {
    const { svc, repo } = setup('cert-existing');
    await expect(svc.import({ actor, body: body() })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/^certificate [0-9a-f]{64} is already managed \(certificate cert-existing\)$/),
    });
    expect(repo.create).not.toHaveBeenCalled();
  });

  it.each([
    ['not PEM', () => ({ certificate_pem: 'hello' }), 'certificate_pem'],
    ['a CA certificate', () => ({ certificate_pem: ca.certificatePem }), 'certificate_pem'],
    [
      'a chain that is not certificates',
      () => ({ chain_pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      'chain_pem',
    ],
  ])('%s is a validation error naming the field', async (_what, over, field) => {
    const { svc, repo } = setup();
    await expect(svc.import({ actor, body: body(over()) })).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [expect.objectContaining({ field })],
    });
    expect(repo.create).not.toHaveBeenCalled();
  });

  it('with private_key_pem: issuance seals the key first (import-<fingerprint>), then the version says key source "server"', async () => {
    const { svc, rpc, created } = setup();
    const out = await svc.import({ actor, body: body({ private_key_pem: 'KEY PEM' }) });
    expect(rpc.request).toHaveBeenCalledWith(IssuancePrivateKey.import, {
      actor: { principal: 'system:inventory', role: 'operator' },
      imported_by: 'ops',
      job_id: `import-${out.fingerprint_sha256}`,
      issuer_id: 'iss-local',
      serial_number: created[0]!.version.serialNumber,
      certificate_pem: created[0]!.version.certificatePem,
      chain_pem: '',
      private_key_pem: 'KEY PEM',
    });
    expect(created[0]!.version.keySource).toBe('server');
  });

  it('a key issuance refuses (it does not match) creates nothing', async () => {
    const { svc, rpc, repo } = setup();
    rpc.request.mockRejectedValueOnce(Object.assign(new Error('does not match'), { code: 'validation_failed' }));
    await expect(svc.import({ actor, body: body({ private_key_pem: 'OTHER KEY' }) })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(repo.create).not.toHaveBeenCalled();
  });
});
