import type { z } from 'zod';
import { AppError } from '@certctl/contracts';
import type { CrlRequest, CryptoKey, ExtendedKeyUsageName, LeafPolicy } from '@certctl/pki';

/**
 * The issuer connector port: how the issuance service talks to a certificate authority.
 * One implementation per connector type (`local`, `script`, later `acme`), registered in
 * CONNECTORS (connectors/index.ts). See docs/connectors.md.
 */

/** Connector types, the same values as the issuers.type column. */
export type ConnectorType = 'local' | 'script' | 'acme' | 'aws-acm-pca' | 'stepca';

/** An issuer as a connector sees it: its row's identity and its decrypted, validated config. */
export interface IssuerContext<C = unknown> {
  id: string;
  name: string;
  type: ConnectorType;
  config: C;
}

/** What to sign. There is always a CSR (the server builds one for a server-generated key). */
export interface IssueRequest {
  /** The jobs-table id: the idempotency key (a connector talking to a remote CA may pass it along). */
  jobId: string;
  /**
   * The PEM PKCS#10 request: the agent's (its signature, names and key were checked before it
   * got here), or, for a server-generated key, one the server builds on the first call.
   */
  csrPem(): Promise<string>;
  /** The CSR's public key, already parsed. */
  publicKey: CryptoKey;
  commonName: string;
  sans: string[];
  validityDays: number;
  /** The profile's validity in seconds (short-lived and test profiles): when set it wins over validityDays. */
  validitySeconds?: number;
  ekus: ExtendedKeyUsageName[];
  profileId: string | null;
  /** The profile as the signer enforces it (a CA that signs here applies it; a remote CA has its own). */
  policy?: LeafPolicy;
  /** A renewal's predecessor and the issuer that signed it (ACME: the order's `replaces`). */
  replaces?: { certificatePem: string; issuerId: string };
}

/** A renewal job's request: the same fields (the renewed certificate's names, a fresh key or CSR). */
export type RenewRequest = IssueRequest;

export interface IssuedLeaf {
  /** The leaf certificate, PEM. */
  certificatePem: string;
  /** The CA certificates a relying party needs to build the path (may be empty), PEM. */
  chainPem: string;
  /** Lowercase hex serial, when the connector knows it already (else the processor reads it from the PEM). */
  serialNumber?: string;
}

/**
 * An asynchronous CA's answer: it accepted the request as `orderId` and finishes it later
 * (validation, a person's approval). The job waits in `awaiting_ca` without holding a worker;
 * the issuance service calls the connector's `poll` with backoff until the leaf comes
 * (docs/connectors.md, "Asynchronous CAs").
 */
export interface PendingOrder {
  pending: true;
  /** The CA's own order id (at most 256 characters). */
  orderId: string;
  /** What the CA said, for the job's log. */
  detail?: string;
}

/** What issue, renew and poll answer: the leaf, or still pending. */
export type IssueOutcome = IssuedLeaf | PendingOrder;

export function isPending(outcome: IssueOutcome): outcome is PendingOrder {
  return (outcome as PendingOrder).pending === true;
}

/** What a poll knows of the request: its CSR and what the leaf must carry. */
export type PollRequest = Pick<IssueRequest, 'jobId' | 'csrPem' | 'publicKey' | 'commonName' | 'sans'> & { orderId: string };

export interface RevokeRequest {
  /** Lowercase hex serial number. */
  serialNumber: string;
  /** RFC 5280 reason name, e.g. keyCompromise. */
  reason: string;
}

export interface HealthResult {
  ok: boolean;
  detail: string;
}

/** Optional capabilities, detected at run time by the presence of the method. */
export interface ConnectorCapabilities<C> {
  /** The CA certificates above leaves of this issuer (PEM). */
  caChain?(issuer: IssuerContext<C>): Promise<string>;
  /** Signs a DER CRL for this issuer (the local CA; a remote CA publishes its own). */
  signCrl?(issuer: IssuerContext<C>, request: Omit<CrlRequest, 'issuer'>): Promise<Uint8Array>;
  /** ACME Renewal Information (RFC 9773): when the CA suggests renewing this certificate. */
  renewalInfo?(issuer: IssuerContext<C>, certificatePem: string): Promise<{ start: Date; end: Date } | null>;
}

export type Capability = 'ca_chain' | 'crl_signing' | 'ari';

export interface Connector<C = unknown> extends ConnectorCapabilities<C> {
  readonly type: ConnectorType;
  /** Validates (and defaults) an issuer's config; a failure is a 422 naming `config.<field>`. */
  readonly configSchema: z.ZodType<C>;
  /** Top-level config keys whose values are secrets: masked in every API answer. */
  readonly secretFields: readonly string[];
  /** The leaf, or (an asynchronous CA, which then implements `poll`) a pending order. */
  issue(issuer: IssuerContext<C>, request: IssueRequest): Promise<IssueOutcome>;
  /** Renewal; most CAs have no separate operation, so this may just call issue. */
  renew(issuer: IssuerContext<C>, request: RenewRequest): Promise<IssueOutcome>;
  /** Asynchronous CAs: asks the CA about an order issue or renew answered pending with. */
  poll?(issuer: IssuerContext<C>, request: PollRequest): Promise<IssueOutcome>;
  revoke(issuer: IssuerContext<C>, request: RevokeRequest): Promise<void>;
  /** A cheap check that the issuer can work (POST /api/v1/issuers/{id}/test). Never throws for a broken CA: answers ok=false. */
  healthCheck(issuer: IssuerContext<C>): Promise<HealthResult>;
}

const CAPABILITY_METHODS: Record<Capability, keyof ConnectorCapabilities<unknown>> = {
  ca_chain: 'caChain',
  crl_signing: 'signCrl',
  ari: 'renewalInfo',
};

/** The optional capabilities a connector implements. */
export function capabilitiesOf(connector: Connector<unknown>): Capability[] {
  return (Object.keys(CAPABILITY_METHODS) as Capability[]).filter((c) => typeof connector[CAPABILITY_METHODS[c]] === 'function');
}

/**
 * The one way a connector reports a failure: an `issuer_failure` that says whether trying
 * again may help. The issuance processor records a non-retryable one as the job's terminal
 * error (the job row's last_error) and dead-letters the queue job; a retryable one goes back
 * to the queue with backoff.
 */
export class ConnectorError extends AppError {
  constructor(detail: string, opts: { retryable: boolean; cause?: unknown }) {
    super('issuer_failure', detail, { retryable: opts.retryable, cause: opts.cause });
    this.name = 'ConnectorError';
  }

  /** The CA may answer next time (timeouts, temporary unavailability). */
  static retryable(detail: string, cause?: unknown): ConnectorError {
    return new ConnectorError(detail, { retryable: true, cause });
  }

  /** Trying again cannot help (bad config, a refused request, unusable output). */
  static terminal(detail: string, cause?: unknown): ConnectorError {
    return new ConnectorError(detail, { retryable: false, cause });
  }
}
