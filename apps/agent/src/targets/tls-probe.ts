import { createHash } from 'node:crypto';
import { connect } from 'node:tls';
import type { VerifyResult } from './target';

export interface ProbeOptions {
  host: string;
  port: number;
  /** SNI; defaults to the host when it is a name. */
  servername?: string;
  timeoutMs?: number;
}

/** SHA-256 of a DER certificate as lowercase hex: the fingerprint the agent and the API compare. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * One TLS handshake to host:port, returning the fingerprint of the leaf the server presented.
 * The chain is not verified here (the point is which certificate is served, not whether this
 * host trusts it); the connection is closed right after the handshake.
 */
export function probeServedFingerprint(options: ProbeOptions): Promise<string> {
  const servername = options.servername ?? (/^[\d.:]+$/.test(options.host) ? undefined : options.host);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port, servername, rejectUnauthorized: false });
    socket.setTimeout(options.timeoutMs ?? 5000, () =>
      socket.destroy(new Error(`TLS handshake to ${options.host}:${options.port} timed out`)),
    );
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      if (!peer?.raw) reject(new Error(`${options.host}:${options.port} presented no certificate`));
      else resolve(fingerprintOf(peer.raw));
    });
    socket.once('error', reject);
  });
}

/** Verification of a deployment: the served leaf must be the deployed one. */
export async function verifyServed(options: ProbeOptions, expected: string, probe = probeServedFingerprint): Promise<VerifyResult> {
  const address = `${options.host}:${options.port}`;
  const verifiedAt = new Date().toISOString();
  try {
    const served = await probe(options);
    const ok = served === expected.toLowerCase();
    return {
      ok,
      servedFingerprint: served,
      address,
      verifiedAt,
      error: ok ? undefined : `${address} serves ${served}, not the deployed ${expected}`,
    };
  } catch (err) {
    return { ok: false, servedFingerprint: null, address, verifiedAt, error: (err as Error).message };
  }
}
