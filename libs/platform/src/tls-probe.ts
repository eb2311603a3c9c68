import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { ProbeOutcome } from '@certctl/contracts';

export interface TlsEndpoint {
  host: string;
  port: number;
  /** The TLS server name; null or absent: the host when it is a DNS name, none for an IP address. */
  sni?: string | null;
  timeoutMs: number;
}

/**
 * One TLS handshake to an endpoint, reporting which leaf it serves (SHA-256 of the DER, lowercase
 * hex, and its notAfter). The chain is not verified (rejectUnauthorized false): the point is what is
 * served, not whether this host trusts it. Never throws: a refused, reset or timed-out connection is
 * an outcome with `ok: false` and the error text.
 */
export function probeTlsEndpoint(endpoint: TlsEndpoint): Promise<ProbeOutcome> {
  const started = Date.now();
  const servername = endpoint.sni ?? (isIP(endpoint.host) ? undefined : endpoint.host);
  const address = `${endpoint.host}:${endpoint.port}`;
  return new Promise((resolve) => {
    const finish = (outcome: Omit<ProbeOutcome, 'checked_at' | 'latency_ms'>, latency: boolean) =>
      resolve({ checked_at: new Date(started).toISOString(), latency_ms: latency ? Date.now() - started : null, ...outcome });
    const failed = (error: string) =>
      finish({ ok: false, served_fingerprint: null, served_not_after: null, error: error.slice(0, 2000) }, false);
    const socket = connect({ host: endpoint.host, port: endpoint.port, servername, rejectUnauthorized: false });
    socket.setTimeout(endpoint.timeoutMs, () => {
      socket.destroy();
      failed(`TLS handshake to ${address} timed out after ${endpoint.timeoutMs} ms`);
    });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      socket.destroy();
      if (!peer?.raw) return failed(`${address} presented no certificate`);
      const notAfter = new Date(peer.valid_to);
      finish(
        {
          ok: true,
          served_fingerprint: createHash('sha256').update(peer.raw).digest('hex'),
          served_not_after: Number.isNaN(notAfter.getTime()) ? null : notAfter.toISOString(),
          error: null,
        },
        true,
      );
    });
    socket.once('error', (err) => failed(`${address}: ${err.message}`));
  });
}
