import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type IssuerRow = Prisma.IssuerGetPayload<object>;
export type IssuerWithCaKey = Prisma.IssuerGetPayload<{ include: { caKey: true } }>;
/** A new issuer row (local CA, imported CA or connector issuer). */
export type NewIssuer = Prisma.IssuerUncheckedCreateInput;
/** The ca_keys row of a CA (see IssuerService.caKeyData). */
export type NewCaKey = Prisma.CaKeyUncheckedCreateInput;
/** One CA of a hierarchy as the recursive query answers it. */
export interface HierarchyRow {
  id: string;
  name: string;
  enabled: boolean;
  parent_id: string | null;
  ca_certificate_pem: string | null;
}

const ANCESTRY = { parentId: true, caCertificatePem: true, caChainPem: true, trustAnchorPem: true } as const;
export type IssuerAncestry = Prisma.IssuerGetPayload<{ select: typeof ANCESTRY }>;
const CONNECTOR_CONFIG = { id: true, name: true, type: true, enabled: true, config: true, encryptedConfig: true } as const;
export type IssuerConnectorConfig = Prisma.IssuerGetPayload<{ select: typeof CONNECTOR_CONFIG }>;

/** The issuers.type column's value (aws-acm-pca) from Prisma's enum name (aws_acm_pca): what connectors and the API call it. */
export function issuerTypeName(type: IssuerRow['type']): string {
  return type.replace(/_/g, '-');
}

/** Prisma's enum name of a connector type (aws-acm-pca → aws_acm_pca). */
export function issuerTypeEnum(type: string): IssuerRow['type'] {
  return type.replace(/-/g, '_') as IssuerRow['type'];
}

/** The issuers and ca_keys tables: every read and write of issuers, their CA keys and connector configs. */
@Injectable()
export class IssuerRepository {
  constructor(private readonly db: PrismaService) {}

  /** Runs `fn` in one database transaction (a CA made on first start, an ACME account made on first use). */
  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: { maxWait?: number; timeout?: number }): Promise<T> {
    return this.db.$transaction(fn, options);
  }

  /** Serializes the making of one issuer's root CA across replicas (until the transaction ends). */
  lockCa(issuerId: string, tx: Prisma.TransactionClient): Promise<void> {
    return advisoryLock(`certctl-ca:${issuerId}`, tx);
  }

  /** Serializes the creation of one issuer's ACME account across jobs and replicas (until the transaction ends). */
  lockAcmeAccount(issuerId: string, tx: Prisma.TransactionClient): Promise<void> {
    return advisoryLock(`acme-account:${issuerId}`, tx);
  }

  /** Local roots that have no CA key yet (made on first start). */
  findLocalRootsWithoutCa(): Promise<{ id: string }[]> {
    return this.db.issuer.findMany({ where: { type: 'local', caKey: null, parentId: null }, select: { id: true } });
  }

  findById(id: string, tx: Prisma.TransactionClient = this.db): Promise<IssuerRow | null> {
    return tx.issuer.findUnique({ where: { id } });
  }

  findWithCaKey(id: string, tx: Prisma.TransactionClient = this.db): Promise<IssuerWithCaKey | null> {
    return tx.issuer.findUnique({ where: { id }, include: { caKey: true } });
  }

  /** The links an issuer's chain is built from: its parent, its CA certificate, chain and trust anchor. */
  findAncestry(id: string): Promise<IssuerAncestry | null> {
    return this.db.issuer.findUnique({ where: { id }, select: ANCESTRY });
  }

  /** An issuer's connector type and stored config (masked and encrypted). */
  async findConnectorConfig(id: string): Promise<(Omit<IssuerConnectorConfig, 'type'> & { type: string }) | null> {
    const row = await this.db.issuer.findUnique({ where: { id }, select: CONNECTOR_CONFIG });
    return row && { ...row, type: issuerTypeName(row.type) };
  }

  list(limit: number): Promise<IssuerRow[]> {
    return this.db.issuer.findMany({ orderBy: { id: 'asc' }, take: limit });
  }

  /** The CA certificate of every enabled issuer that has one (the expiry metric). */
  findEnabledCaCertificates(): Promise<{ id: string; caCertificatePem: string | null }[]> {
    return this.db.issuer.findMany({
      where: { enabled: true, caCertificatePem: { not: null } },
      select: { id: true, caCertificatePem: true },
    });
  }

  /** The issuer and every CA below it, at any depth. */
  findSubtree(id: string): Promise<HierarchyRow[]> {
    return this.db.$queryRaw<HierarchyRow[]>`
      WITH RECURSIVE tree AS (
        SELECT id, name, enabled, parent_id, ca_certificate_pem FROM issuers WHERE id = ${id}
        UNION ALL
        SELECT i.id, i.name, i.enabled, i.parent_id, i.ca_certificate_pem FROM issuers i JOIN tree t ON i.parent_id = t.id
      ) SELECT * FROM tree`;
  }

  /** Up to `limit` enabled CAs directly below an issuer. */
  findEnabledChildren(id: string, limit: number): Promise<{ id: string }[]> {
    return this.db.issuer.findMany({ where: { parentId: id, enabled: true }, select: { id: true }, take: limit });
  }

  /** A new issuer, with its CA key in the same transaction when it has one; a taken name or id is a conflict. */
  async insert(issuer: NewIssuer, caKey?: NewCaKey): Promise<void> {
    await translateDbErrors(
      async () => {
        if (!caKey) return void (await this.db.issuer.create({ data: issuer }));
        await this.db.$transaction(async (tx) => {
          await tx.issuer.create({ data: issuer });
          await tx.caKey.create({ data: caKey });
        });
      },
      {
        [DbErrorCode.UniqueViolation]: () =>
          new AppError('conflict', 'an issuer with this name or id already exists', {
            fields: [{ field: 'name', message: 'must be unique' }],
          }),
      },
    );
  }

  insertCaKey(caKey: NewCaKey, tx: Prisma.TransactionClient): Promise<unknown> {
    return tx.caKey.create({ data: caKey });
  }

  setCaCertificate(id: string, certificatePem: string, chainPem: string, tx: Prisma.TransactionClient): Promise<unknown> {
    return tx.issuer.update({ where: { id }, data: { caCertificatePem: certificatePem, caChainPem: chainPem } });
  }

  /** Stores a connector config: masked for answers, encrypted for use. */
  setConnectorConfig(
    id: string,
    masked: Record<string, unknown>,
    sealed: Uint8Array<ArrayBuffer>,
    tx: Prisma.TransactionClient,
  ): Promise<unknown> {
    return tx.issuer.update({ where: { id }, data: { config: masked as Prisma.InputJsonValue, encryptedConfig: sealed } });
  }

  disable(id: string): Promise<unknown> {
    return this.db.issuer.update({ where: { id }, data: { enabled: false } });
  }
}

/** A transaction-scoped PostgreSQL advisory lock on a text key. */
async function advisoryLock(key: string, tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
}
