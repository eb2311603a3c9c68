import { type PeerCertificate, connect } from 'node:tls';
import { derToPem } from '@certctl/pki';

export interface HandshakeResult {
  /** The presented chain as PEM, leaf first (empty when the server sent none). */
  chain: string[];
}

/** The leaf and the chain a peer certificate links to, each once (a self-signed root points at itself). */
export function chainOf(peer: PeerCertificate | undefined): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  let current = peer as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(derToPem(current.raw, 'CERTIFICATE'));
    current = current.issuerCertificate as typeof current;
  }
  return chain;
}

/**
 * One TLS handshake to host:port (no trust check: we record what is presented, trusted or not),
 * with SNI when a name is given, bounded by `timeoutMs`. Rejects on refusal, timeout or a non-TLS peer.
 */
export function presentedChain(host: string, port: number, serverName: string, timeoutMs: number): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(serverName ? { servername: serverName } : {}) });
    const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const chain = chainOf(socket.getPeerCertificate(true));
      socket.end();
      socket.destroy();
      resolve({ chain });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
