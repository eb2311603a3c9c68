import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { AppError, PlatformTlsRpc, type RpcResponse } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { refuseConnectMethod } from './proxy';
import { getLogger, registry } from '@certctl/observability';
import { exitOnStartFailure } from '@certctl/platform';
import { renewalPoint } from '@certctl/pki';
import type { GatewayConfig } from '../config';

/** TLS 1.3 suites, then TLS 1.2 with forward secrecy and AEAD only (no CBC, no RSA key exchange). */
const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
const SECURE_CONTEXT: SecureContextOptions = { minVersion: 'TLSv1.2', ciphers: CIPHERS, honorCipherOrder: true };
// A client certificate is asked for, never required: EST verifies it per route against its profile's trust bundle.
const SERVER_TLS: TlsOptions = { ...SECURE_CONTEXT, ALPNProtocols: ['http/1.1'], requestCert: true, rejectUnauthorized: false };

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const CHECK_MAX_MS = 6 * 3600_000;

const notAfterGauge = new Gauge({
  name: 'certctl_gateway_tls_certificate_not_after_seconds',
  help: 'Expiry (Unix seconds) of the certificate the gateway serves on its HTTPS port',
  registers: [registry],
});

export interface TlsFiles {
  dir: string;
  cert: string;
  key: string;
  ca: string;
}

/** Where the local-CA certificate lives: $CERTCTL_DATA_DIR/tls/{server.crt, server.key, ca.pem}. */
export function tlsFiles(config: Pick<GatewayConfig, 'CERTCTL_DATA_DIR'>): TlsFiles {
  const dir = join(resolve(config.CERTCTL_DATA_DIR), 'tls');
  return { dir, cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.pem') };
}

/** CERTCTL_GATEWAY_TLS_NAMES plus the host of CERTCTL_PUBLIC_BASE_URL, lowercased, each once. */
export function certificateNames(config: Pick<GatewayConfig, 'CERTCTL_GATEWAY_TLS_NAMES' | 'CERTCTL_PUBLIC_BASE_URL'>): string[] {
  const host = new URL(config.CERTCTL_PUBLIC_BASE_URL).hostname.replace(/^\[(.*)\]$/, '$1');
  return [...new Set([...config.CERTCTL_GATEWAY_TLS_NAMES, host].map((n) => n.toLowerCase()))];
}

/** A certificate is renewed once less than a third of its lifetime is left. */
export function renewalDue(notBefore: Date, notAfter: Date, now = new Date()): boolean {
  return now.getTime() >= renewalPoint(notBefore, notAfter).getTime();
}

export interface TlsMaterial {
  /** PEM: the leaf, then its chain. */
  cert: string;
  key: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
}

/** Reads a certificate and key pair; throws with the reason when either is unreadable or they do not match. */
export function readMaterial(certFile: string, keyFile: string): TlsMaterial {
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`${keyFile} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!matches) throw new Error(`${keyFile} is not the key of the certificate in ${certFile}`);
  return { cert, key, notBefore: new Date(x509.validFrom), notAfter: new Date(x509.validTo), fingerprint256: x509.fingerprint256 };
}

/** The names the certificate does not cover (DNS names by host matching, wildcards literally, IPs exactly). */
export function uncoveredNames(certPem: string, names: string[]): string[] {
  const x509 = new X509Certificate(certPem);
  const sans = (x509.subjectAltName ?? '').split(', ').map((s) => s.toLowerCase());
  return names.filter((n) => {
    if (isIP(n)) return x509.checkIP(n) === undefined;
    if (n.startsWith('*.')) return !sans.includes(`dns:${n}`);
    return x509.checkHost(n, { subject: 'never' }) === undefined;
  });
}

/** Writes a file by renaming a fresh temporary one over it, so a reader never sees half a file. */
function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function writeIssued(files: TlsFiles, issued: RpcResponse<typeof PlatformTlsRpc.serverCertificateIssue>): void {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeAtomic(files.key, issued.private_key_pem, 0o600);
  writeAtomic(files.cert, `${issued.certificate_pem.trim()}\n${issued.chain_pem.trim() ? `${issued.chain_pem.trim()}\n` : ''}`, 0o644);
  writeAtomic(files.ca, `${issued.root_pem.trim()}\n`, 0o644);
}

/**
 * The gateway's HTTPS listener: a node https server handing every request to the same
 * Fastify app (fastify.routing), so routes, hooks, audit and rate limits are shared with the
 * HTTP port. Its certificate is the operator's (CERTCTL_GATEWAY_TLS_CERT_FILE/KEY_FILE) or one
 * from the platform's local CA, asked of issuance over NATS on first start, kept in
 * $CERTCTL_DATA_DIR/tls and renewed when a third of its lifetime is left. Until issuance
 * answers, the gateway serves HTTP only and retries with backoff.
 */
export class GatewayHttps {
  private server?: Server;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private readonly files: TlsFiles;
  private readonly names: string[];
  private readonly operator?: TlsMaterial;
  private readonly log = getLogger().child({ component: 'https' });

  constructor(
    private readonly fastify: FastifyInstance,
    private readonly config: GatewayConfig,
    private readonly rpc: Pick<RpcClient, 'request'>,
  ) {
    this.files = tlsFiles(config);
    this.names = certificateNames(config);
    const certFile = config.CERTCTL_GATEWAY_TLS_CERT_FILE;
    const keyFile = config.CERTCTL_GATEWAY_TLS_KEY_FILE;
    // Operator files are checked before the gateway listens at all: a bad pair stops the start.
    if (certFile && keyFile) this.operator = readMaterial(certFile, keyFile);
    fastify.addHook('onClose', async () => {
      this.closed = true;
      clearTimeout(this.timer);
      const server = this.server;
      if (!server) return;
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
    });
  }

  get enabled(): boolean {
    return this.config.CERTCTL_GATEWAY_TLS_PORT > 0;
  }

  /** Listens at once with the operator's or the stored certificate; otherwise asks issuance in the background. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    if (this.operator) return this.listen(this.operator, 'operator');
    const stored = this.stored();
    if (stored) {
      await this.listen(stored, 'stored');
      this.scheduleCheck(stored);
      return;
    }
    // A listen failure after the certificate arrived (port taken) stops the gateway as a failed start would.
    void this.obtainAndListen().catch(exitOnStartFailure);
  }

  /** The stored local-CA certificate when it is readable, covers every name and is not due for renewal. */
  private stored(): TlsMaterial | undefined {
    if (!existsSync(this.files.cert) || !existsSync(this.files.key)) return undefined;
    try {
      const m = readMaterial(this.files.cert, this.files.key);
      const missing = uncoveredNames(m.cert, this.names);
      if (missing.length > 0) {
        this.log.info({ missing }, 'stored HTTPS certificate lacks configured names; asking for a new one');
        return undefined;
      }
      if (renewalDue(m.notBefore, m.notAfter)) {
        this.log.info({ not_after: m.notAfter.toISOString() }, 'stored HTTPS certificate is due for renewal; asking for a new one');
        return undefined;
      }
      return m;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'stored HTTPS certificate is unusable; asking for a new one');
      return undefined;
    }
  }

  private async issue(): Promise<TlsMaterial> {
    const issued = await this.rpc.request(
      PlatformTlsRpc.serverCertificateIssue,
      {
        issuer_id: this.config.CERTCTL_GATEWAY_TLS_ISSUER_ID,
        names: this.names,
        validity_days: this.config.CERTCTL_GATEWAY_TLS_VALIDITY_DAYS,
        requester: 'gateway',
      },
      { timeoutMs: Math.max(this.config.CERTCTL_NATS_TIMEOUT_MS, 10_000) },
    );
    writeIssued(this.files, issued);
    const m = readMaterial(this.files.cert, this.files.key);
    this.log.info(
      { serial: issued.serial_number, names: this.names, not_after: issued.not_after, cert_file: this.files.cert, ca_file: this.files.ca },
      'HTTPS certificate issued by the local CA and stored',
    );
    return m;
  }

  private async obtainAndListen(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        const m = await this.issue();
        if (this.closed) return;
        await this.listen(m, 'issued');
        this.scheduleCheck(m);
        return;
      } catch (err) {
        if (this.closed) return;
        if (isListenError(err)) throw err;
        const delay = Math.min(RETRY_FIRST_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
        const reason = err instanceof AppError ? `${err.code}: ${err.message}` : (err as Error).message;
        this.log.warn(
          { attempt, retry_in_ms: delay, reason, port: this.config.CERTCTL_GATEWAY_TLS_PORT },
          'HTTPS not started yet: no certificate from the issuance service; serving HTTP only until one arrives',
        );
        await new Promise<void>((r) => {
          this.timer = setTimeout(r, delay);
        });
      }
    }
  }

  private listen(m: TlsMaterial, source: string): Promise<void> {
    const server = createServer({ ...SERVER_TLS, cert: m.cert, key: m.key }, (req, res) => this.fastify.routing(req, res));
    refuseConnectMethod(server);
    // The same connection limits as Fastify's own HTTP server.
    server.keepAliveTimeout = this.fastify.server.keepAliveTimeout;
    server.headersTimeout = this.fastify.server.headersTimeout;
    server.requestTimeout = this.fastify.server.requestTimeout;
    this.server = server;
    notAfterGauge.set(m.notAfter.getTime() / 1000);
    const port = this.config.CERTCTL_GATEWAY_TLS_PORT;
    return new Promise((ok, fail) => {
      server.once('error', (err) => fail(Object.assign(err, { listen: true })));
      server.listen(port, this.config.CERTCTL_HOST, () => {
        this.log.info(
          {
            port,
            host: this.config.CERTCTL_HOST,
            source,
            not_after: m.notAfter.toISOString(),
            fingerprint256: m.fingerprint256,
            ...(source === 'operator' ? {} : { ca_file: this.files.ca }),
          },
          `certctl-gateway HTTPS listening on ${port}`,
        );
        ok();
      });
    });
  }

  /** Renews a local-CA certificate while running, when a third of its lifetime is left (checked at most every 6 h). */
  private scheduleCheck(m: TlsMaterial): void {
    const due = renewalPoint(m.notBefore, m.notAfter).getTime();
    const wait = Math.max(60_000, Math.min(due - Date.now(), CHECK_MAX_MS));
    this.timer = setTimeout(() => void this.renewIfDue(m), wait);
    this.timer.unref();
  }

  private async renewIfDue(current: TlsMaterial): Promise<void> {
    if (this.closed) return;
    if (!renewalDue(current.notBefore, current.notAfter)) return this.scheduleCheck(current);
    try {
      const m = await this.issue();
      this.server?.setSecureContext({ ...SECURE_CONTEXT, cert: m.cert, key: m.key });
      notAfterGauge.set(m.notAfter.getTime() / 1000);
      this.log.info({ not_after: m.notAfter.toISOString(), fingerprint256: m.fingerprint256 }, 'HTTPS certificate renewed in place');
      this.scheduleCheck(m);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'HTTPS certificate renewal failed; will try again');
      this.scheduleCheck(current);
    }
  }
}

function isListenError(err: unknown): boolean {
  return (err as { listen?: boolean }).listen === true;
}
