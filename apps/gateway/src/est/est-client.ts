import { X509Certificate, createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { AppError, type EnrollmentProfileInternal, InventoryEnrollment } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { BasicLockout, VerifiedPasswords, basicCredentials, chainsToTrust } from './est-auth';

type EstProfile = Extract<EnrollmentProfileInternal, { protocol: 'est' }>;

/** The TLS client certificate a request came with (the leaf and what else the client sent). */
export interface PeerCertificate {
  leaf: X509Certificate;
  chain: X509Certificate[];
}

/** Who enrolls: the audit actor, and for a re-enrollment the certificate renewed and its subject. */
export interface EstClient {
  actor: string;
  renews?: { certificateId: string; subject: X509Certificate };
}

/** An EST refusal: the status the RFC gives it and the headers it needs (WWW-Authenticate, Retry-After). */
export class EstRefusal extends Error {
  constructor(
    readonly status: 401 | 403 | 415 | 429,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const LOCKOUT_WINDOW_MS = 15 * 60_000;

/** The client certificate of a request on the HTTPS listener (requested, not required, at the handshake). */
export function peerCertificate(req: FastifyRequest): PeerCertificate | undefined {
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (!socket.encrypted || typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(true);
  if (!peer?.raw) return undefined;
  const chain: X509Certificate[] = [];
  for (let c = peer.issuerCertificate; c?.raw && chain.length < 5; c = c.issuerCertificate) {
    chain.push(new X509Certificate(c.raw));
    if (c.issuerCertificate === c) break;
  }
  return { leaf: new X509Certificate(peer.raw), chain };
}

/** The RFC 9266 tls-exporter channel binding of the request's TLS connection; undefined over plain HTTP. */
export function tlsExporter(req: FastifyRequest): Buffer | undefined {
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (!socket.encrypted || typeof socket.exportKeyingMaterial !== 'function') return undefined;
  return socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)); // RFC 9266 §2: empty context
}

const commonNameOf = (cert: X509Certificate) => /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.serialNumber;

/**
 * EST client authentication per profile (RFC 7030 §3.2.3, §3.3.2): HTTP Basic with the
 * profile's password (scrypt verifier, lockout after repeated failures per client address), a
 * TLS client certificate chaining to the profile's trust bundle, or both; a re-enrollment is
 * authenticated by the current certificate being renewed, presented as the TLS client certificate.
 */
export class EstAuthenticator {
  private readonly lockout: BasicLockout;
  private readonly passwords = new VerifiedPasswords();

  constructor(
    private readonly rpc: Pick<RpcClient, 'request'>,
    maxFailures: number,
  ) {
    this.lockout = new BasicLockout({ maxFailures, windowMs: LOCKOUT_WINDOW_MS, lockMs: LOCKOUT_WINDOW_MS });
  }

  async authenticate(profile: EstProfile, reenroll: boolean, req: { ip: string; authorization?: string; peer?: PeerCertificate }) {
    if (reenroll) return this.currentCertificate(profile, req.peer);
    const auth = profile.settings.auth;
    let actor = `est:${profile.label}:${req.ip}`;
    if (auth !== 'basic') {
      if (!req.peer) throw unauthorized(profile, 'a TLS client certificate is required (use the HTTPS port)');
      if (!chainsToTrust(req.peer.leaf, req.peer.chain, profile.settings.client_cert_trust_pem ?? ''))
        throw new EstRefusal(403, 'forbidden', 'the client certificate does not chain to this profile’s trust bundle');
      actor = `est:${profile.label}:${commonNameOf(req.peer.leaf)}`;
    }
    if (auth !== 'client_cert') await this.checkPassword(profile, req);
    return { actor } satisfies EstClient;
  }

  private async checkPassword(profile: EstProfile, req: { ip: string; authorization?: string }): Promise<void> {
    const key = `${profile.id}|${req.ip}`;
    const locked = this.lockout.lockedFor(key);
    if (locked > 0)
      throw new EstRefusal(429, 'rate_limited', 'too many failed enrollment passwords from this address; try again later', {
        'retry-after': String(Math.ceil(locked / 1000)),
      });
    const creds = basicCredentials(req.authorization);
    if (!creds) throw unauthorized(profile, 'HTTP Basic authentication with the profile’s enrollment password is required');
    const verifier = profile.settings.basic_verifier;
    if (!verifier || !(await this.passwords.check(creds.password, verifier))) {
      this.lockout.fail(key);
      throw unauthorized(profile, 'the enrollment password is wrong');
    }
    this.lockout.succeed(key);
  }

  /** The TLS client certificate must be a current certificate this profile issued. */
  private async currentCertificate(profile: EstProfile, peer: PeerCertificate | undefined): Promise<EstClient> {
    if (!peer)
      throw unauthorized(profile, 're-enrollment needs the current certificate as the TLS client certificate (use the HTTPS port)');
    const fingerprint = createHash('sha256').update(peer.leaf.raw).digest('hex');
    try {
      const cert = await this.rpc.request(InventoryEnrollment.renewable, {
        enrollment_profile_id: profile.id,
        fingerprint_sha256: fingerprint,
      });
      return {
        actor: `est:${profile.label}:${commonNameOf(peer.leaf)}`,
        renews: { certificateId: cert.certificate_id, subject: peer.leaf },
      };
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found')
        throw new EstRefusal(403, 'forbidden', 'the client certificate is not a current certificate of this enrollment profile');
      throw err;
    }
  }
}

function unauthorized(profile: EstProfile, message: string): EstRefusal {
  return new EstRefusal(401, 'unauthorized', message, { 'www-authenticate': `Basic realm="certctl EST ${profile.label}"` });
}
