import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type AcmeAccountRow = Prisma.AcmeAccountGetPayload<object>;
export type EabKeyRow = Prisma.AcmeEabKeyGetPayload<object>;

export interface NewAccount {
  id: string;
  profileId: string;
  keyThumbprint: string;
  jwk: unknown;
  contact: string[];
  tosAgreed: boolean;
  eabKeyId: string | null;
}

const keyInUse = () => new AppError('conflict', 'the new key is already in use by an account');

/** The acme_accounts and acme_eab_keys tables. */
@Injectable()
export class AccountsRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  findById(id: string): Promise<AcmeAccountRow | null> {
    return this.db.acmeAccount.findUnique({ where: { id } });
  }

  findByThumbprint(keyThumbprint: string): Promise<AcmeAccountRow | null> {
    return this.db.acmeAccount.findUnique({ where: { keyThumbprint } });
  }

  /** A new account; another account with the same key is a `conflict`. */
  insert(account: NewAccount, tx: Prisma.TransactionClient): Promise<AcmeAccountRow> {
    return translateDbErrors(() => tx.acmeAccount.create({ data: { ...account, jwk: account.jwk as Prisma.InputJsonValue } }), {
      [DbErrorCode.UniqueViolation]: () => new AppError('conflict', 'an account with this key already exists'),
    });
  }

  deactivate(id: string): Promise<AcmeAccountRow> {
    return this.db.acmeAccount.update({ where: { id }, data: { status: 'deactivated' } });
  }

  updateContact(id: string, contact: string[]): Promise<AcmeAccountRow> {
    return this.db.acmeAccount.update({ where: { id }, data: { contact } });
  }

  /**
   * Key rollover of a valid account still holding `oldThumbprint`: false when the account
   * changed meanwhile; a key another account holds is a `conflict`.
   */
  async replaceKey(id: string, oldThumbprint: string, newKey: { keyThumbprint: string; jwk: unknown }): Promise<boolean> {
    const updated = await translateDbErrors(
      () =>
        this.db.acmeAccount.updateMany({
          where: { id, keyThumbprint: oldThumbprint, status: 'valid' },
          data: { keyThumbprint: newKey.keyThumbprint, jwk: newKey.jwk as Prisma.InputJsonValue },
        }),
      { [DbErrorCode.UniqueViolation]: keyInUse },
    );
    return updated.count === 1;
  }

  list(q: { limit: number; id?: string; status?: string }): Promise<AcmeAccountRow[]> {
    return this.db.acmeAccount.findMany({
      where: { ...(q.id ? { id: q.id } : {}), ...(q.status ? { status: q.status } : {}) },
      orderBy: { createdAt: 'desc' },
      take: q.limit,
    });
  }

  findEabKey(id: string): Promise<EabKeyRow | null> {
    return this.db.acmeEabKey.findUnique({ where: { id } });
  }

  /** Binds an unused EAB key to the account being created; false when it was used meanwhile. */
  async bindEabKey(id: string, accountId: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const bound = await tx.acmeEabKey.updateMany({ where: { id, accountId: null }, data: { accountId, boundAt: new Date() } });
    return bound.count === 1;
  }

  insertEabKey(key: Omit<EabKeyRow, 'accountId' | 'createdAt' | 'boundAt'>): Promise<EabKeyRow> {
    return this.db.acmeEabKey.create({ data: key });
  }

  listEabKeys(limit: number): Promise<EabKeyRow[]> {
    return this.db.acmeEabKey.findMany({ orderBy: { createdAt: 'desc' }, take: limit });
  }

  async deleteEabKey(id: string): Promise<void> {
    await translateDbErrors(() => this.db.acmeEabKey.delete({ where: { id } }), {
      [DbErrorCode.RecordNotFound]: () => AppError.notFound('EAB key', id),
    });
  }
}
