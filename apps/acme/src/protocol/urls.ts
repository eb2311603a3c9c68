import type { AcmeProfile } from '../profiles/profile-cache';

/** Every URL the ACME service hands out, from one base (https://host[:port]). */
export class AcmeUrls {
  constructor(
    readonly base: string,
    readonly profile: Pick<AcmeProfile, 'id' | 'isDefault'>,
  ) {}

  /** Profile-scoped endpoints: /acme/... for the default profile, /acme/profile/<id>/... otherwise. */
  private scoped(path: string): string {
    return this.profile.isDefault
      ? `${this.base}/acme/${path}`
      : `${this.base}/acme/profile/${encodeURIComponent(this.profile.id)}/${path}`;
  }

  get directory(): string {
    return this.scoped('directory');
  }
  get newNonce(): string {
    return this.scoped('new-nonce');
  }
  get newAccount(): string {
    return this.scoped('new-account');
  }
  get newOrder(): string {
    return this.scoped('new-order');
  }
  get revokeCert(): string {
    return this.scoped('revoke-cert');
  }
  get keyChange(): string {
    return this.scoped('key-change');
  }
  get renewalInfo(): string {
    return this.scoped('renewal-info');
  }
  account(id: string): string {
    return `${this.base}/acme/acct/${id}`;
  }
  accountOrders(id: string): string {
    return `${this.base}/acme/acct/${id}/orders`;
  }
  order(id: string): string {
    return `${this.base}/acme/order/${id}`;
  }
  finalize(id: string): string {
    return `${this.base}/acme/order/${id}/finalize`;
  }
  authz(id: string): string {
    return `${this.base}/acme/authz/${id}`;
  }
  challenge(id: string): string {
    return `${this.base}/acme/chall/${id}`;
  }
  certificate(id: string): string {
    return `${this.base}/acme/cert/${id}`;
  }
}

/** The account id out of a `kid` (account URL) this server issued under `base`; null when it is not one. */
export function accountIdOf(base: string, kid: string): string | null {
  const prefix = `${base}/acme/acct/`;
  if (!kid.startsWith(prefix)) return null;
  const id = kid.slice(prefix.length);
  return /^[A-Za-z0-9_-]{1,80}$/.test(id) ? id : null;
}
