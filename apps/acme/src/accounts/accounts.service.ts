import { Inject, Injectable } from '@nestjs/common';
import { type JWK, flattenedVerify } from 'jose';
import { AppError, type RpcResponse, AcmeRpc } from '@certctl/contracts';
import { newId } from '@certctl/database';
import { counter, getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';
import { parseJws, payloadJson, thumbprint, verifyJws } from '../protocol/jws';
import { asObject } from '../protocol/payload';
import type { AcmeUrls } from '../protocol/urls';
import type { AcmeProfile } from '../profiles/profile-cache';
import { OrdersService } from '../orders/orders.service';
import { parseEab, validateContacts } from './account-fields';
import { type AcmeAccountRow, AccountsRepository } from './accounts.repository';

const accountsTotal = counter('certctl_acme_accounts_total', 'ACME account operations by result', ['operation', 'result']);

/** RFC 8555 §7.3: accounts, external account binding, key rollover, deactivation. */
@Injectable()
export class AccountsService {
  private readonly box: SecretBox;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly orders: OrdersService,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  byId(id: string): Promise<AcmeAccountRow | null> {
    return this.accounts.findById(id);
  }

  representation(account: AcmeAccountRow, urls: AcmeUrls) {
    return {
      status: account.status,
      contact: account.contact,
      termsOfServiceAgreed: account.tosAgreed,
      orders: urls.accountOrders(account.id),
      ...(account.eabKeyId ? { externalAccountBinding: { kid: account.eabKeyId } } : {}),
      createdAt: account.createdAt.toISOString(),
    };
  }

  /** newAccount: an existing key answers 200 with its account; otherwise a new account (201). */
  async newAccount(
    jwk: JWK,
    payload: unknown,
    urls: AcmeUrls,
    profile: AcmeProfile,
  ): Promise<{ account: AcmeAccountRow; created: boolean }> {
    const request = asObject(payload);
    const keyThumbprint = await thumbprint(jwk);
    const existing = await this.accounts.findByThumbprint(keyThumbprint);
    if (existing) {
      if (existing.status !== 'valid') throw new AcmeError('unauthorized', `the account for this key is ${existing.status}`);
      accountsTotal.inc({ operation: 'new_account', result: 'existing' });
      return { account: existing, created: false };
    }
    if (request.onlyReturnExisting === true) throw new AcmeError('accountDoesNotExist', 'no account exists for this key');
    const contact = validateContacts(request.contact);
    this.checkAgreementAndBinding(request, profile);
    const id = newId('acct');
    const eab = request.externalAccountBinding;
    const eabKeyId = eab !== undefined ? await this.verifyEab(eab, jwk, urls.newAccount, profile.id) : null;
    const fields = { id, profileId: profile.id, keyThumbprint, jwk, contact, tosAgreed: request.termsOfServiceAgreed === true, eabKeyId };
    try {
      const account = await this.accounts.transaction(async (tx) => {
        if (eabKeyId && !(await this.accounts.bindEabKey(eabKeyId, id, tx))) {
          throw new AcmeError('unauthorized', 'the external account binding key has already been used');
        }
        return this.accounts.insert(fields, tx);
      });
      accountsTotal.inc({ operation: 'new_account', result: 'created' });
      const trusted = (profile.eabRequired || profile.authMode === 'trust_authenticated') && !!eabKeyId;
      getLogger().info({ account_id: id, profile_id: profile.id, eab: !!eabKeyId, trusted }, 'ACME account created');
      return { account, created: true };
    } catch (err) {
      // The same key registered concurrently: that account is the answer.
      const raced = err instanceof AppError && err.code === 'conflict' ? await this.accounts.findByThumbprint(keyThumbprint) : null;
      if (raced) return { account: raced, created: false };
      throw err;
    }
  }

  /** The terms of service (when configured) and the profile's external account binding requirement. */
  private checkAgreementAndBinding(request: Record<string, unknown>, profile: AcmeProfile): void {
    if (this.config.CERTCTL_ACME_TOS_URL && request.termsOfServiceAgreed !== true) {
      throw new AcmeError('userActionRequired', `the terms of service (${this.config.CERTCTL_ACME_TOS_URL}) must be agreed to`);
    }
    if (request.externalAccountBinding === undefined && profile.eabRequired) {
      throw new AcmeError('externalAccountRequired', 'this ACME profile requires an external account binding (EAB kid and HMAC key)');
    }
  }

  /** RFC 8555 §7.3.4: the inner JWS is HMAC-signed with the EAB key over the account's public key. */
  private async verifyEab(raw: unknown, jwk: JWK, url: string, profileId: string): Promise<string> {
    const eab = parseEab(raw);
    if (eab.header.url !== url) throw new AcmeError('malformed', 'the external account binding "url" must be the newAccount URL');
    const kid = eab.header.kid;
    const key = kid ? await this.accounts.findEabKey(kid) : null;
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
    const request = asObject(payload);
    if (request.status !== undefined) {
      if (request.status !== 'deactivated') throw new AcmeError('malformed', 'the only status a client may set is "deactivated"');
      accountsTotal.inc({ operation: 'deactivate', result: 'ok' });
      getLogger().info({ account_id: account.id }, 'ACME account deactivated');
      const updated = await this.accounts.deactivate(account.id);
      await this.orders.abandonOrdersOf(account.id);
      return updated;
    }
    if (request.contact !== undefined) return this.accounts.updateContact(account.id, validateContacts(request.contact));
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
    const newThumbprint = await thumbprint(inner.header.jwk);
    const inUse = await this.accounts.findByThumbprint(newThumbprint);
    if (inUse) throw new AcmeError('conflict', 'the new key is already in use by an account', { location: urls.account(inUse.id) });
    // A key taken concurrently by another account is a `conflict` AppError from the repository.
    if (!(await this.accounts.replaceKey(account.id, account.keyThumbprint, { keyThumbprint: newThumbprint, jwk: inner.header.jwk }))) {
      throw new AcmeError('conflict', 'the account key changed concurrently; retry');
    }
    accountsTotal.inc({ operation: 'key_change', result: 'ok' });
    getLogger().info({ account_id: account.id }, 'ACME account key rolled over');
    return (await this.byId(account.id))!;
  }

  async listAccounts(q: { limit: number; account_id?: string; status?: string }): Promise<RpcResponse<typeof AcmeRpc.accountList>> {
    const rows = await this.accounts.list({ limit: q.limit, id: q.account_id, status: q.status });
    return {
      data: rows.map((account) => ({
        id: account.id,
        profile_id: account.profileId,
        status: account.status,
        contact: account.contact,
        key_thumbprint: account.keyThumbprint,
        eab_key_id: account.eabKeyId,
        created_at: account.createdAt.toISOString(),
      })),
    };
  }
}
