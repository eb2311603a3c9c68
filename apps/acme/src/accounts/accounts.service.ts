import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type JWK, flattenedVerify } from 'jose';
import { AppError, type Actor, type RpcResponse, AcmeRpc } from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { counter, getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';
import { type ParsedJws, parseJws, payloadJson, thumbprint, verifyJws } from '../protocol/jws';
import type { AcmeUrls } from '../protocol/urls';
import type { AcmeProfile } from '../profiles/profile-cache';

export type AcmeAccountRow = Prisma.AcmeAccountGetPayload<object>;
const accountsTotal = counter('certctl_acme_accounts_total', 'ACME account operations by result', ['operation', 'result']);

/** RFC 8555 §7.3: accounts, external account binding, key rollover, deactivation. */
@Injectable()
export class AccountsService {
  private readonly box: SecretBox;

  constructor(
    private readonly db: PrismaService,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  byId(id: string): Promise<AcmeAccountRow | null> {
    return this.db.acmeAccount.findUnique({ where: { id } });
  }

  representation(a: AcmeAccountRow, urls: AcmeUrls) {
    return {
      status: a.status,
      contact: a.contact,
      termsOfServiceAgreed: a.tosAgreed,
      orders: urls.accountOrders(a.id),
      ...(a.eabKeyId ? { externalAccountBinding: { kid: a.eabKeyId } } : {}),
      createdAt: a.createdAt.toISOString(),
    };
  }

  /** newAccount: an existing key answers 200 with its account; otherwise a new account (201). */
  async newAccount(
    jwk: JWK,
    payload: unknown,
    urls: AcmeUrls,
    profile: AcmeProfile,
  ): Promise<{ account: AcmeAccountRow; created: boolean }> {
    const p = asObject(payload);
    const tp = await thumbprint(jwk);
    const existing = await this.db.acmeAccount.findUnique({ where: { keyThumbprint: tp } });
    if (existing) {
      if (existing.status !== 'valid') throw new AcmeError('unauthorized', `the account for this key is ${existing.status}`);
      accountsTotal.inc({ operation: 'new_account', result: 'existing' });
      return { account: existing, created: false };
    }
    if (p.onlyReturnExisting === true) throw new AcmeError('accountDoesNotExist', 'no account exists for this key');
    const contact = validateContacts(p.contact);
    if (this.config.CERTCTL_ACME_TOS_URL && p.termsOfServiceAgreed !== true) {
      throw new AcmeError('userActionRequired', `the terms of service (${this.config.CERTCTL_ACME_TOS_URL}) must be agreed to`);
    }
    const eab = p.externalAccountBinding;
    const needEab = profile.eabRequired || profile.authMode === 'trust_authenticated';
    if (eab === undefined && profile.eabRequired) {
      throw new AcmeError('externalAccountRequired', 'this ACME profile requires an external account binding (EAB kid and HMAC key)');
    }
    const id = newId('acct');
    const eabKeyId = eab !== undefined ? await this.verifyEab(eab, jwk, urls.newAccount, profile.id) : null;
    try {
      const account = await this.db.$transaction(async (tx) => {
        if (eabKeyId) {
          const bound = await tx.acmeEabKey.updateMany({
            where: { id: eabKeyId, accountId: null },
            data: { accountId: id, boundAt: new Date() },
          });
          if (bound.count !== 1) throw new AcmeError('unauthorized', 'the external account binding key has already been used');
        }
        return tx.acmeAccount.create({
          data: {
            id,
            profileId: profile.id,
            keyThumbprint: tp,
            jwk: jwk as Prisma.InputJsonValue,
            contact,
            tosAgreed: p.termsOfServiceAgreed === true,
            eabKeyId,
          },
        });
      });
      accountsTotal.inc({ operation: 'new_account', result: 'created' });
      getLogger().info({ account_id: id, profile_id: profile.id, eab: !!eabKeyId, trusted: needEab && !!eabKeyId }, 'ACME account created');
      return { account, created: true };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        const raced = await this.db.acmeAccount.findUnique({ where: { keyThumbprint: tp } });
        if (raced) return { account: raced, created: false };
      }
      throw err;
    }
  }

  /** RFC 8555 §7.3.4: the inner JWS is HMAC-signed with the EAB key over the account's public key. */
  private async verifyEab(raw: unknown, jwk: JWK, url: string, profileId: string): Promise<string> {
    const eab = parseEab(raw);
    if (eab.header.url !== url) throw new AcmeError('malformed', 'the external account binding "url" must be the newAccount URL');
    const kid = eab.header.kid;
    const key = kid ? await this.db.acmeEabKey.findUnique({ where: { id: kid } }) : null;
    if (!key || key.profileId !== profileId) throw new AcmeError('unauthorized', 'unknown external account binding key id');
    if (key.accountId) throw new AcmeError('unauthorized', 'the external account binding key has already been used');
    const hmac = this.box.decrypt(Buffer.from(key.encryptedHmacKey), `acme-eab:${key.id}`);
    try {
      const out = await flattenedVerify(eab.input, hmac, { algorithms: ['HS256', 'HS384', 'HS512'] });
      const inner = JSON.parse(Buffer.from(out.payload).toString('utf8')) as JWK;
      if ((await thumbprint(inner)) !== (await thumbprint(jwk))) throw new Error('key mismatch');
    } catch {
      throw new AcmeError('unauthorized', 'the external account binding does not verify (wrong HMAC key, or not over this account key)');
    }
    return key.id;
  }

  /** POST to the account URL: contact update, deactivation, or POST-as-GET (payload undefined). */
  async update(account: AcmeAccountRow, payload: unknown): Promise<AcmeAccountRow> {
    if (payload === undefined) return account;
    const p = asObject(payload);
    if (p.status !== undefined) {
      if (p.status !== 'deactivated') throw new AcmeError('malformed', 'the only status a client may set is "deactivated"');
      accountsTotal.inc({ operation: 'deactivate', result: 'ok' });
      getLogger().info({ account_id: account.id }, 'ACME account deactivated');
      const updated = await this.db.acmeAccount.update({ where: { id: account.id }, data: { status: 'deactivated' } });
      // Pending work of a deactivated account is abandoned.
      await this.db.acmeOrder.updateMany({
        where: { accountId: account.id, status: { in: ['pending', 'ready'] } },
        data: { status: 'invalid', error: { type: 'urn:ietf:params:acme:error:unauthorized', detail: 'account deactivated' } },
      });
      return updated;
    }
    if (p.contact !== undefined) {
      return this.db.acmeAccount.update({ where: { id: account.id }, data: { contact: validateContacts(p.contact) } });
    }
    return account;
  }

  /** RFC 8555 §7.3.5 key rollover: the outer JWS (old key, kid) carries an inner JWS signed by the new key. */
  async keyChange(account: AcmeAccountRow, outerUrl: string, payload: unknown, urls: AcmeUrls): Promise<AcmeAccountRow> {
    const inner = parseJws(payload);
    if (!inner.header.jwk || inner.header.kid !== undefined)
      throw new AcmeError('malformed', 'the inner key-change JWS must carry the new key as "jwk"');
    if (inner.header.nonce !== undefined) throw new AcmeError('malformed', 'the inner key-change JWS must not have a nonce');
    if (inner.header.url !== outerUrl) throw new AcmeError('malformed', 'the inner key-change JWS "url" must equal the outer one');
    const body = asObject(payloadJson(await verifyJws(inner, inner.header.jwk)));
    if (body.account !== urls.account(account.id))
      throw new AcmeError('malformed', 'the key-change "account" must be the URL of the signing account');
    if (!body.oldKey || typeof body.oldKey !== 'object') throw new AcmeError('malformed', 'the key-change "oldKey" is required');
    if ((await thumbprint(body.oldKey as JWK)) !== account.keyThumbprint) {
      throw new AcmeError('malformed', 'the key-change "oldKey" is not the account\'s current key');
    }
    const newTp = await thumbprint(inner.header.jwk);
    const inUse = await this.db.acmeAccount.findUnique({ where: { keyThumbprint: newTp }, select: { id: true } });
    if (inUse) throw new AcmeError('conflict', 'the new key is already in use by an account', { location: urls.account(inUse.id) });
    try {
      const updated = await this.db.acmeAccount.updateMany({
        where: { id: account.id, keyThumbprint: account.keyThumbprint, status: 'valid' },
        data: { keyThumbprint: newTp, jwk: inner.header.jwk as Prisma.InputJsonValue },
      });
      if (updated.count !== 1) throw new AcmeError('conflict', 'the account key changed concurrently; retry');
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new AcmeError('conflict', 'the new key is already in use by an account');
      }
      throw err;
    }
    accountsTotal.inc({ operation: 'key_change', result: 'ok' });
    getLogger().info({ account_id: account.id }, 'ACME account key rolled over');
    return (await this.byId(account.id))!;
  }

  // ---- EAB key administration (gateway, admin) ----

  async createEabKey(actor: Actor, profileId: string, description: string): Promise<RpcResponse<typeof AcmeRpc.eabCreate>> {
    const id = `kid-${randomBytes(12).toString('base64url')}`;
    const hmac = randomBytes(32);
    const row = await this.db.acmeEabKey.create({
      data: {
        id,
        profileId,
        description,
        encryptedHmacKey: new Uint8Array(this.box.encrypt(hmac, `acme-eab:${id}`)),
        keyVersion: this.box.currentVersion,
        createdBy: actor.principal,
      },
    });
    return { ...eabDto(row), hmac_key: hmac.toString('base64url') };
  }

  async listEabKeys(): Promise<RpcResponse<typeof AcmeRpc.eabList>> {
    const rows = await this.db.acmeEabKey.findMany({ orderBy: { createdAt: 'desc' }, take: 1000 });
    return { data: rows.map(eabDto) };
  }

  async deleteEabKey(id: string): Promise<RpcResponse<typeof AcmeRpc.eabDelete>> {
    const row = await this.db.acmeEabKey.findUnique({ where: { id } });
    if (!row) throw AppError.notFound('EAB key', id);
    if (row.accountId) throw new AppError('conflict', `EAB key ${id} is bound to account ${row.accountId}; deactivate the account instead`);
    await this.db.acmeEabKey.delete({ where: { id } });
    return { id, deleted: true };
  }

  async listAccounts(q: { limit: number; account_id?: string; status?: string }): Promise<RpcResponse<typeof AcmeRpc.accountList>> {
    const rows = await this.db.acmeAccount.findMany({
      where: { ...(q.account_id ? { id: q.account_id } : {}), ...(q.status ? { status: q.status } : {}) },
      orderBy: { createdAt: 'desc' },
      take: q.limit,
    });
    return {
      data: rows.map((a) => ({
        id: a.id,
        profile_id: a.profileId,
        status: a.status,
        contact: a.contact,
        key_thumbprint: a.keyThumbprint,
        eab_key_id: a.eabKeyId,
        created_at: a.createdAt.toISOString(),
      })),
    };
  }
}

function eabDto(r: Prisma.AcmeEabKeyGetPayload<object>) {
  return {
    id: r.id,
    profile_id: r.profileId,
    description: r.description,
    account_id: r.accountId,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    bound_at: r.boundAt?.toISOString() ?? null,
  };
}

function parseEab(raw: unknown): ParsedJws & { header: { kid?: string; url: string } } {
  if (!raw || typeof raw !== 'object') throw new AcmeError('malformed', 'externalAccountBinding must be a flattened JWS');
  const b = raw as Record<string, unknown>;
  for (const k of ['protected', 'payload', 'signature'] as const) {
    if (typeof b[k] !== 'string') throw new AcmeError('malformed', `externalAccountBinding.${k} must be a string`);
  }
  let header: { alg?: string; kid?: string; url?: string; nonce?: string };
  try {
    header = JSON.parse(Buffer.from(b.protected as string, 'base64url').toString('utf8')) as typeof header;
  } catch {
    throw new AcmeError('malformed', 'externalAccountBinding.protected is not base64url JSON');
  }
  if (!['HS256', 'HS384', 'HS512'].includes(String(header.alg)))
    throw new AcmeError('badSignatureAlgorithm', 'EAB must be HS256, HS384 or HS512');
  if (header.nonce !== undefined) throw new AcmeError('malformed', 'the external account binding must not have a nonce');
  if (typeof header.kid !== 'string' || typeof header.url !== 'string') throw new AcmeError('malformed', 'EAB needs "kid" and "url"');
  return {
    input: { protected: b.protected as string, payload: b.payload as string, signature: b.signature as string },
    header: header as never,
  };
}

export function asObject(payload: unknown): Record<string, unknown> {
  if (payload === undefined) return {};
  if (!payload || typeof payload !== 'object' || Array.isArray(payload))
    throw new AcmeError('malformed', 'the JWS payload must be a JSON object');
  return payload as Record<string, unknown>;
}

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** RFC 8555 §7.3: mailto: contacts only, one address each, no header fields. */
export function validateContacts(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new AcmeError('malformed', 'contact must be an array of URLs');
  if (raw.length > 10) throw new AcmeError('invalidContact', 'at most 10 contacts');
  return raw.map((c) => {
    if (typeof c !== 'string') throw new AcmeError('invalidContact', 'each contact must be a string URL');
    if (!c.startsWith('mailto:'))
      throw new AcmeError('unsupportedContact', `only mailto: contacts are supported (got ${JSON.stringify(c.slice(0, 40))})`);
    const addr = c.slice('mailto:'.length);
    if (addr.includes('?') || addr.includes(',') || !EMAIL.test(addr) || addr.length > 254) {
      throw new AcmeError('invalidContact', `${JSON.stringify(c.slice(0, 80))} is not a single valid email address`);
    }
    return c;
  });
}
