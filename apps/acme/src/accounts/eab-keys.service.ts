import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, type Actor, type RpcResponse, AcmeRpc } from '@certctl/contracts';
import { secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import { AccountsRepository, type EabKeyRow } from './accounts.repository';

/** EAB key administration (gateway, admin): the HMAC key is shown once, then kept encrypted. */
@Injectable()
export class EabKeysService {
  private readonly box: SecretBox;

  constructor(
    private readonly accounts: AccountsRepository,
    @Inject(ACME_CONFIG) config: AcmeConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  async createEabKey(actor: Actor, profileId: string, description: string): Promise<RpcResponse<typeof AcmeRpc.eabCreate>> {
    const id = `kid-${randomBytes(12).toString('base64url')}`;
    const hmac = randomBytes(32);
    const row = await this.accounts.insertEabKey({
      id,
      profileId,
      description,
      encryptedHmacKey: new Uint8Array(this.box.encrypt(hmac, `acme-eab:${id}`)),
      keyVersion: this.box.currentVersion,
      createdBy: actor.principal,
    });
    return { ...eabDto(row), hmac_key: hmac.toString('base64url') };
  }

  async listEabKeys(): Promise<RpcResponse<typeof AcmeRpc.eabList>> {
    return { data: (await this.accounts.listEabKeys(1000)).map(eabDto) };
  }

  /** An unbound key only: a bound one is retired by deactivating its account. */
  async deleteEabKey(id: string): Promise<RpcResponse<typeof AcmeRpc.eabDelete>> {
    const row = await this.accounts.findEabKey(id);
    if (!row) throw AppError.notFound('EAB key', id);
    if (row.accountId) throw new AppError('conflict', `EAB key ${id} is bound to account ${row.accountId}; deactivate the account instead`);
    await this.accounts.deleteEabKey(id);
    return { id, deleted: true };
  }
}

function eabDto(row: EabKeyRow) {
  return {
    id: row.id,
    profile_id: row.profileId,
    description: row.description,
    account_id: row.accountId,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    bound_at: row.boundAt?.toISOString() ?? null,
  };
}
