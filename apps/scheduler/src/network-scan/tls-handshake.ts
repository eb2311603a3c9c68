import { type PeerCertificate, connect } from 'node:tls';

export interface HandshakeResult {
  /** The presented chain as PEM, leaf first (empty when the server sent none). */
  chain: string[];
}

function pemOf(raw: Buffer): string {
  const base64 = raw.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${base64.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The leaf and the chain a peer certificate links to, each once (a self-signed root points at itself). */
export function chainOf(peer: PeerCertificate | undefined): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  let current = peer as (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(pemOf(current.raw));
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
