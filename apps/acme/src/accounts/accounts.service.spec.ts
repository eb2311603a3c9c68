import { generateKeyPairSync } from 'node:crypto';
import { type JWK, exportJWK } from 'jose';
import { AppError } from '@certctl/contracts';
import type { AcmeConfig } from '../config';
import type { OrdersService } from '../orders/orders.service';
import { AcmeUrls } from '../protocol/urls';
import type { AcmeProfile } from '../profiles/profile-cache';
import { type AcmeAccountRow, type AccountsRepository, type EabKeyRow } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { EabKeysService } from './eab-keys.service';

const config = { CERTCTL_ENCRYPTION_KEY: 'k'.repeat(64), CERTCTL_ACME_TOS_URL: undefined } as unknown as AcmeConfig;
const profile = { id: 'prof-1', authMode: 'challenge', eabRequired: false } as AcmeProfile;
const urls = new AcmeUrls('https://acme.test', { id: 'prof-1', isDefault: true } as AcmeProfile);
const tx = { tx: true } as never;

const newJwk = async (): Promise<JWK> => exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);

function setup() {
  const repo = {
    findById: jest.fn(async (id: string) => ({ id, status: 'valid' }) as AcmeAccountRow),
    findByThumbprint: jest.fn(async () => null as AcmeAccountRow | null),
    transaction: jest.fn(async (fn: (t: never) => Promise<unknown>) => fn(tx)),
    insert: jest.fn(async (fields: { id: string }) => ({ ...fields, status: 'valid' }) as unknown as AcmeAccountRow),
    bindEabKey: jest.fn(async () => true),
    deactivate: jest.fn(async (id: string) => ({ id, status: 'deactivated' }) as AcmeAccountRow),
    findEabKey: jest.fn(async () => null as EabKeyRow | null),
    deleteEabKey: jest.fn(async () => undefined),
  };
  const orders = { abandonOrdersOf: jest.fn(async () => undefined) };
  const service = new AccountsService(repo as unknown as AccountsRepository, orders as unknown as OrdersService, config);
  return { service, repo, orders };
}

describe('AccountsService (fake repository)', () => {
  it('ok/a new key creates an account (201)', async () => {
    const { service, repo } = setup();
    const out = await service.newAccount(await newJwk(), { contact: ['mailto:a@example.com'] }, urls, profile);
    expect(out.created).toBe(true);
    expect(repo.insert).toHaveBeenCalledWith(
      expect.objectContaining({ profileId: 'prof-1', contact: ['mailto:a@example.com'], eabKeyId: null }),
      tx,
    );
  });

  it('ok/the same key registered concurrently (a conflict from the repository) answers with that account (200)', async () => {
    const { service, repo } = setup();
    const raced = { id: 'acct-raced', status: 'valid' } as AcmeAccountRow;
    repo.findByThumbprint.mockResolvedValueOnce(null).mockResolvedValueOnce(raced);
    repo.insert.mockRejectedValue(new AppError('conflict', 'an account with this key already exists'));
    expect(await service.newAccount(await newJwk(), {}, urls, profile)).toEqual({ account: raced, created: false });
  });

  it('fail/a conflict with no account behind it propagates', async () => {
    const { service, repo } = setup();
    repo.insert.mockRejectedValue(new AppError('conflict', 'an account with this key already exists'));
    await expect(service.newAccount(await newJwk(), {}, urls, profile)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('fail/an existing deactivated account is unauthorized; onlyReturnExisting without one is accountDoesNotExist', async () => {
    const { service, repo } = setup();
    repo.findByThumbprint.mockResolvedValueOnce({ id: 'a', status: 'deactivated' } as AcmeAccountRow);
    await expect(service.newAccount(await newJwk(), {}, urls, profile)).rejects.toMatchObject({ type: 'unauthorized' });
    await expect(service.newAccount(await newJwk(), { onlyReturnExisting: true }, urls, profile)).rejects.toMatchObject({
      type: 'accountDoesNotExist',
    });
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it('fail/a profile requiring EAB refuses an account without one', async () => {
    const { service } = setup();
    await expect(service.newAccount(await newJwk(), {}, urls, { ...profile, eabRequired: true })).rejects.toMatchObject({
      type: 'externalAccountRequired',
    });
  });

  it('ok/deactivation abandons the account’s unfinished orders', async () => {
    const { service, repo, orders } = setup();
    const out = await service.update({ id: 'acct-1', status: 'valid' } as AcmeAccountRow, { status: 'deactivated' });
    expect(out.status).toBe('deactivated');
    expect(repo.deactivate).toHaveBeenCalledWith('acct-1');
    expect(orders.abandonOrdersOf).toHaveBeenCalledWith('acct-1');
  });

  it('fail/a client may not set any other status', async () => {
    const { service, orders } = setup();
    await expect(service.update({ id: 'acct-1' } as AcmeAccountRow, { status: 'valid' })).rejects.toMatchObject({ type: 'malformed' });
    expect(orders.abandonOrdersOf).not.toHaveBeenCalled();
  });
});

describe('EabKeysService (fake repository)', () => {
  it('fail/a key bound to an account is a conflict; an unknown one not_found', async () => {
    const { repo } = setup();
    const eabKeys = new EabKeysService(repo as unknown as AccountsRepository, config);
    repo.findEabKey.mockResolvedValueOnce({ id: 'kid-1', accountId: 'acct-1' } as EabKeyRow);
    await expect(eabKeys.deleteEabKey('kid-1')).rejects.toMatchObject({ code: 'conflict' });
    await expect(eabKeys.deleteEabKey('kid-2')).rejects.toMatchObject({ code: 'not_found' });
    expect(repo.deleteEabKey).not.toHaveBeenCalled();
  });

  it('ok/an unbound key is deleted', async () => {
    const { repo } = setup();
    const eabKeys = new EabKeysService(repo as unknown as AccountsRepository, config);
    repo.findEabKey.mockResolvedValueOnce({ id: 'kid-1', accountId: null } as EabKeyRow);
    expect(await eabKeys.deleteEabKey('kid-1')).toEqual({ id: 'kid-1', deleted: true });
    expect(repo.deleteEabKey).toHaveBeenCalledWith('kid-1');
  });
});
