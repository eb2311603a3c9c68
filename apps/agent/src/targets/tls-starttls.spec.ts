import { createServer, type Server } from 'node:net';
import { probeStartTlsFingerprint } from './tls-starttls';

/** A plain-text server speaking `script` lines: what a mail server that refuses STARTTLS says. */
function scriptedServer(greeting: string, reply: (line: string) => string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.write(greeting);
    socket.on('data', (chunk) => {
      for (const line of chunk.toString().split('\r\n').filter(Boolean)) socket.write(reply(line));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}

describe('probeStartTlsFingerprint', () => {
  it('reports an SMTP server that does not offer STARTTLS with its EHLO reply', async () => {
    const { server, port } = await scriptedServer('220 mx.test ESMTP\r\n', () => '250-mx.test\r\n250 SIZE 1000\r\n');
    try {
      await expect(probeStartTlsFingerprint({ host: '127.0.0.1', port, protocol: 'smtp' })).rejects.toThrow(
        `127.0.0.1:${port} does not offer STARTTLS: 250-mx.test | 250 SIZE 1000`,
      );
    } finally {
      server.close();
    }
  });

  it('reports an IMAP server refusing the STARTTLS command with its own words', async () => {
    const { server, port } = await scriptedServer('* OK IMAP ready\r\n', () => 'c1 BAD STARTTLS disabled here\r\n');
    try {
      await expect(probeStartTlsFingerprint({ host: '127.0.0.1', port, protocol: 'imap' })).rejects.toThrow(
        `127.0.0.1:${port} refused STARTTLS: c1 BAD STARTTLS disabled here`,
      );
    } finally {
      server.close();
    }
  });
});
