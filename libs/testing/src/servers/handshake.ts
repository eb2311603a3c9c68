// Test-only: the test's own TLS handshakes to a target server (not the agent's probe).
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

/** The SHA-256 (lowercase hex) of the leaf served on 127.0.0.1:`port` (SNI localhost). */
export function handshakeFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false });
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.destroy();
      resolve(new X509Certificate(raw).fingerprint256.replace(/:/g, '').toLowerCase());
    });
    socket.once('error', reject);
  });
}

/** Handshakes in a loop until stopped: how many succeeded and which failed. */
export function handshakeLoop(port: number): { stop(): Promise<{ handshakes: number; failures: string[] }> } {
  let running = true;
  const tally = { handshakes: 0, failures: [] as string[] };
  const loop = (async () => {
    while (running) {
      await handshakeFingerprint(port).then(
        () => tally.handshakes++,
        (err: Error) => tally.failures.push(err.message),
      );
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return tally;
    },
  };
}
