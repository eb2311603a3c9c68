import { AppError } from '@certctl/contracts';
import { createRootCa } from '@certctl/pki';
import { type FakeIssuerRepository, fakeIssuerRepository, issuerServiceWithRoot } from '../../test/issuer-fakes';
import { IssuerImportService } from './issuer-import.service';
import type { IssuerRepository } from './issuer.repository';

const actor = { principal: 'admin', role: 'admin' } as never;

describe('IssuerImportService (over a fake repository)', () => {
  let repository: FakeIssuerRepository;
  let imports: IssuerImportService;
  let ca: Awaited<ReturnType<typeof createRootCa>>;
  beforeAll(async () => {
    ca = await createRootCa({ commonName: 'Enterprise Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  });
  beforeEach(async () => {
    repository = fakeIssuerRepository();
    const { issuers } = await issuerServiceWithRoot(repository);
    imports = new IssuerImportService(repository as unknown as IssuerRepository, issuers);
  });

  it('ok/a CA and its key are stored as a local issuer with the key encrypted (a self-signed CA has no trust anchor)', async () => {
    const body = { id: 'iss-imported', name: 'imported', certificate_pem: ca.certificatePem, private_key_pem: ca.privateKeyPem };
    const dto = await imports.import({ actor, body } as never);
    expect(dto).toMatchObject({ id: 'iss-imported', type: 'local', config: { imported: true, key_algorithm: 'ECDSA-P256' } });
    const [issuer, caKey] = repository.insert.mock.calls[0]!;
    expect(issuer).toMatchObject({ parentId: null, trustAnchorPem: null, caChainPem: '' });
    expect(Buffer.from(caKey!.encryptedKey as Uint8Array).toString('utf8')).not.toContain('PRIVATE KEY');
  });

  it('fail/a key that is not the certificate key is refused on its field, with the reason in the detail', async () => {
    const other = await createRootCa({ commonName: 'Other', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
    const body = { name: 'imported', certificate_pem: ca.certificatePem, private_key_pem: other.privateKeyPem };
    const err = await imports.import({ actor, body } as never).catch((e: unknown) => e as AppError);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'validation_failed', fields: [{ field: 'private_key_pem' }] });
    expect((err as AppError).message).toMatch(/^cannot import the CA: /);
    expect(repository.insert).not.toHaveBeenCalled();
  });

  it('fail/a certificate that does not parse is refused on certificate_pem', async () => {
    const body = { name: 'imported', certificate_pem: 'garbage', private_key_pem: ca.privateKeyPem };
    const err = (await imports.import({ actor, body } as never).catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: 'validation_failed', fields: [{ field: 'certificate_pem' }] });
  });

  it('fail/a taken name is a conflict', async () => {
    const body = { name: 'root', certificate_pem: ca.certificatePem, private_key_pem: ca.privateKeyPem };
    await expect(imports.import({ actor, body } as never)).rejects.toMatchObject({ code: 'conflict' });
  });
});
