import { AppError } from '@certctl/contracts';
import { type FakeIssuerRepository, fakeIssuerRepository, issuerServiceWithRoot } from '../../test/issuer-fakes';
import type { IssuerService } from './issuer.service';

describe('IssuerService (over a fake repository)', () => {
  let repository: FakeIssuerRepository;
  let issuers: IssuerService;
  let rootPem: string;
  beforeEach(async () => {
    repository = fakeIssuerRepository();
    const made = await issuerServiceWithRoot(repository);
    issuers = made.issuers;
    rootPem = made.root.certificatePem;
  });

  it('ok/the CA decrypts from its stored key, is cached, and is read afresh after forget', async () => {
    const ca = await issuers.ca('iss-root');
    expect(ca.certificatePem).toBe(rootPem);
    expect(ca.ancestorsPem).toEqual([]);
    await issuers.ca('iss-root');
    expect(repository.findWithCaKey).toHaveBeenCalledTimes(1);
    issuers.forget('iss-root');
    await issuers.ca('iss-root');
    expect(repository.findWithCaKey).toHaveBeenCalledTimes(2);
  });

  it('fail/an unknown, disabled, non-local or key-less issuer cannot sign, each with its own code', async () => {
    await expect(issuers.ca('iss-none')).rejects.toMatchObject({ code: 'not_found' });
    await repository.insert({ id: 'iss-acme', name: 'acme', type: 'acme' });
    await expect(issuers.ca('iss-acme')).rejects.toMatchObject({ code: 'issuer_failure', retryable: false });
    await repository.insert({ id: 'iss-new', name: 'new', type: 'local' });
    await expect(issuers.ca('iss-new')).rejects.toMatchObject({ code: 'issuer_failure', retryable: true });
    await repository.disable('iss-root');
    issuers.forget('iss-root');
    const err = await issuers.ca('iss-root').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'conflict', message: 'issuer iss-root is disabled', retryable: false });
  });

  it('ok/the chain of a leaf is the issuing CA then the CAs above it; the ancestors walk up the parents', async () => {
    await repository.insert({
      id: 'iss-sub',
      name: 'sub',
      type: 'local',
      parentId: 'iss-root',
      caCertificatePem: 'SUB\n',
      caChainPem: 'MID\n',
    });
    expect(await issuers.chainPem('iss-sub')).toBe('SUB\nMID\n');
    expect(await issuers.chainPem('iss-root')).toBe(`${rootPem.trim()}\n`);
    await expect(issuers.chainPem('iss-none')).rejects.toMatchObject({ code: 'not_found' });
    expect(await issuers.ancestorsPem('iss-sub')).toEqual([rootPem]);
  });
});
