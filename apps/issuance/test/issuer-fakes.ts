import { AppError } from '@certctl/contracts';
import { createRootCa } from '@certctl/pki';
import type { IssuanceConfig } from '../src/config';
import type { IssuerRepository, IssuerRow, NewCaKey, NewIssuer } from '../src/issuers/issuer.repository';
import { IssuerService } from '../src/issuers/issuer.service';

/** An encryption key for unit tests (never a real one). */
export const TEST_CONFIG = {
  CERTCTL_ENCRYPTION_KEY: 'unit-test-encryption-key-0123456789abcdef',
  CERTCTL_PUBLIC_BASE_URL: 'https://certctl.test/',
} as IssuanceConfig;

/**
 * An in-memory IssuerRepository for the services' unit tests: issuers and CA keys in maps,
 * a name or id taken twice is the repository's conflict. Only the methods the services use.
 */
export function fakeIssuerRepository() {
  const issuers = new Map<string, IssuerRow>();
  const caKeys = new Map<string, NewCaKey>();
  const defaults: Omit<IssuerRow, 'id' | 'name' | 'type'> = {
    parentId: null,
    config: {},
    encryptedConfig: null,
    caCertificatePem: null,
    caChainPem: null,
    trustAnchorPem: null,
    enabled: true,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  };
  const row = (issuer: NewIssuer): IssuerRow => ({ ...defaults, ...issuer }) as IssuerRow;
  const repository = {
    issuers,
    caKeys,
    findById: jest.fn(async (id: string) => issuers.get(id) ?? null),
    findWithCaKey: jest.fn(async (id: string) => {
      const issuer = issuers.get(id);
      const caKey = caKeys.get(id);
      return issuer ? { ...issuer, caKey: caKey ? { ...caKey, createdAt: new Date() } : null } : null;
    }),
    findAncestry: jest.fn(async (id: string) => issuers.get(id) ?? null),
    findEnabledCaCertificates: jest.fn(async () => []),
    findEnabledChildren: jest.fn(async (id: string, limit: number) =>
      [...issuers.values()].filter((i) => i.parentId === id && i.enabled).slice(0, limit),
    ),
    insert: jest.fn(async (issuer: NewIssuer, caKey?: NewCaKey) => {
      if (issuers.has(issuer.id) || [...issuers.values()].some((i) => i.name === issuer.name)) {
        throw new AppError('conflict', 'an issuer with this name or id already exists', {
          fields: [{ field: 'name', message: 'must be unique' }],
        });
      }
      issuers.set(issuer.id, row(issuer));
      if (caKey) caKeys.set(issuer.id, caKey);
    }),
    disable: jest.fn(async (id: string) => {
      const issuer = issuers.get(id);
      if (issuer) issuers.set(id, { ...issuer, enabled: false });
    }),
  };
  return repository;
}
export type FakeIssuerRepository = ReturnType<typeof fakeIssuerRepository>;

/** An IssuerService over the fake repository, with a root CA `iss-root` stored like a generated one. */
export async function issuerServiceWithRoot(repository: FakeIssuerRepository) {
  const issuers = new IssuerService(repository as unknown as IssuerRepository, TEST_CONFIG);
  const root = await createRootCa({ commonName: 'Unit Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30, pathLength: 1 });
  await repository.insert(
    { id: 'iss-root', name: 'root', type: 'local', caCertificatePem: root.certificatePem, caChainPem: '' },
    issuers.caKeyData('iss-root', 'ECDSA-P256', root.privateKeyPem),
  );
  repository.insert.mockClear();
  return { issuers, root };
}
