import { X509Certificate } from 'node:crypto';
import { AppError } from '@certctl/contracts';
import { type FakeIssuerRepository, TEST_CONFIG, fakeIssuerRepository, issuerServiceWithRoot } from '../../test/issuer-fakes';
import { IssuerHierarchyService } from './issuer-hierarchy.service';
import type { IssuerRepository } from './issuer.repository';
import type { IssuerService } from './issuer.service';

const actor = { principal: 'admin', role: 'admin' } as never;
type Body = Parameters<IssuerHierarchyService['create']>[0]['body'];
const body = (over: Partial<Body>): Body =>
  ({ type: 'local', name: 'sub', key_algorithm: 'ECDSA-P256', validity_days: 10, organization: 'Unit', ...over }) as Body;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('IssuerHierarchyService (over a fake repository)', () => {
  let repository: FakeIssuerRepository;
  let issuers: IssuerService;
  let hierarchy: IssuerHierarchyService;
  beforeEach(async () => {
    repository = fakeIssuerRepository();
    ({ issuers } = await issuerServiceWithRoot(repository));
    hierarchy = new IssuerHierarchyService(repository as unknown as IssuerRepository, issuers, TEST_CONFIG);
  });

  it('ok/an intermediate is signed by its parent, stored with its encrypted key and CRL/OCSP URLs of the parent', async () => {
    const dto = await hierarchy.create({ actor, body: body({ id: 'iss-sub', parent_id: 'iss-root', path_length: 0 }) });
    expect(dto).toMatchObject({ id: 'iss-sub', parent_id: 'iss-root', type: 'local', ca_chain_pem: null });
    const [issuer, caKey] = repository.insert.mock.calls[0]!;
    expect(issuer).toMatchObject({ id: 'iss-sub', parentId: 'iss-root', caChainPem: '', config: { path_length: 0 } });
    expect(caKey).toMatchObject({ issuerId: 'iss-sub', algorithm: 'ECDSA-P256', keyVersion: 1 });
    const cert = new X509Certificate(dto.ca_certificate_pem!);
    expect(cert.issuer).toContain('Unit Root');
    expect(cert.toLegacyObject().infoAccess?.['OCSP - URI']).toEqual(['https://certctl.test/.well-known/pki/ocsp/iss-root']);
  });

  it('fail/a missing parent, a connector parent and a retired parent are refused before anything is signed', async () => {
    expect(await rejection(hierarchy.create({ actor, body: body({ parent_id: 'iss-none' }) }))).toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'parent_id', message: 'issuer "iss-none" does not exist' }],
    });
    await repository.insert({ id: 'iss-acme', name: 'acme', type: 'acme' });
    expect((await rejection(hierarchy.create({ actor, body: body({ parent_id: 'iss-acme' }) }))).fields).toEqual([
      { field: 'parent_id', message: 'must be a local issuer with a CA' },
    ]);
    await repository.disable('iss-root');
    expect(await rejection(hierarchy.create({ actor, body: body({ parent_id: 'iss-root' }) }))).toMatchObject({
      code: 'conflict',
      message: 'issuer iss-root is retired and cannot sign new CAs',
    });
    expect(repository.insert).toHaveBeenCalledTimes(1); // only the acme issuer above
  });

  it('fail/malformed name constraints are a validation failure on name_constraints, in the API spelling', async () => {
    const err = await rejection(hierarchy.create({ actor, body: body({ name_constraints: { permitted_dns: ['not a name!'] } }) }));
    expect(err.code).toBe('validation_failed');
    expect(err.fields).toEqual([
      { field: 'name_constraints', message: expect.stringMatching(/^permitted_dns\[0\]: "not a name!" is not/) },
    ]);
  });

  it('fail/a path length the parent has no room for is reported on path_length (intermediate) or the body (root)', async () => {
    const sub = await rejection(hierarchy.create({ actor, body: body({ parent_id: 'iss-root', path_length: 1 }) }));
    expect(sub.fields).toEqual([{ field: 'path_length', message: "pathLength must be below the issuer's (1)" }]);
    const root = await rejection(hierarchy.create({ actor, body: body({ validity_days: 0 }) }));
    expect(root.fields?.[0]?.field).toBe('(body)');
  });

  it('fail/a taken name is the repository conflict, unchanged', async () => {
    const err = await rejection(hierarchy.create({ actor, body: body({ name: 'root' }) }));
    expect(err).toMatchObject({ code: 'conflict', fields: [{ field: 'name', message: 'must be unique' }] });
  });

  it('fail/retirement is refused while enabled child CAs remain; then it disables and forgets the CA', async () => {
    await hierarchy.create({ actor, body: body({ id: 'iss-sub', parent_id: 'iss-root', path_length: 0 }) });
    expect(await rejection(hierarchy.retire({ actor, id: 'iss-root' } as never))).toMatchObject({
      code: 'conflict',
      message: 'issuer iss-root still has active child CAs: iss-sub; retire them first',
    });
    expect(await hierarchy.retire({ actor, id: 'iss-sub' } as never)).toMatchObject({ id: 'iss-sub', enabled: false });
    expect(await hierarchy.retire({ actor, id: 'iss-root' } as never)).toMatchObject({ enabled: false });
    expect(await rejection(hierarchy.retire({ actor, id: 'iss-none' } as never))).toMatchObject({ code: 'not_found' });
  });
});
