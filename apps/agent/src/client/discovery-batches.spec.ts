import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DISCOVERY_BATCH_LIMITS, splitDiscoveryReport } from './discovery-batches';
import { type DiscoveryReport, GatewayClient } from './gateway-client';

const GATEWAY_BODY_LIMIT = 1024 * 1024; // CERTCTL_MAX_BODY_BYTES default

/** A report of `count` certificate entries of about 2 KiB each (the size of a real RSA-2048 PEM), entries marked `bad` where asked. */
function bigReport(count: number, bad: number[] = []): DiscoveryReport {
  return {
    scanned_at: '2026-01-02T03:04:05.000Z',
    directories: ['/etc/ssl'],
    certificates: Array.from({ length: count }, (_, index) => ({
      path: `/etc/ssl/site-${index}.pem`,
      format: 'pem' as const,
      certificate_pem: (bad.includes(index) ? 'bad' : 'good') + 'A'.repeat(2000),
    })),
    errors: [{ path: '/etc/ssl/private', error: 'permission denied' }],
  };
}

describe('discovery report batches', () => {
  it('a small report is one batch, unchanged', () => {
    const report = bigReport(3);
    expect(splitDiscoveryReport(report)).toEqual([report]);
  });

  it('a 3 MiB report becomes batches under the byte budget that together hold every entry once, in order', () => {
    const report = bigReport(1500);
    const batches = splitDiscoveryReport(report);
    expect(batches.length).toBeGreaterThanOrEqual(4);
    for (const batch of batches) {
      expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(DISCOVERY_BATCH_LIMITS.maxBytes);
      expect(batch).toMatchObject({ scanned_at: report.scanned_at, directories: report.directories });
    }
    expect(batches.flatMap((batch) => batch.certificates)).toEqual(report.certificates);
    expect(batches.flatMap((batch) => batch.errors)).toEqual(report.errors);
  });

  it('splits on the entry cap too (5,000 certificates or errors per request)', () => {
    const report: DiscoveryReport = {
      scanned_at: '2026-01-02T03:04:05.000Z',
      directories: [],
      certificates: [],
      errors: Array.from({ length: 5001 }, (_, index) => ({ path: `/e/${index}`, error: 'x' })),
    };
    expect(splitDiscoveryReport(report).map((batch) => batch.errors.length)).toEqual([5000, 1]);
  });
});

describe('GatewayClient.discoveries against a server with the gateway’s 1 MiB body limit', () => {
  let server: Server;
  let baseUrl = '';
  const bodies: number[] = [];
  const refused: number[] = [];
  let limit = GATEWAY_BODY_LIMIT;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        res.setHeader('content-type', 'application/json');
        if (raw.length > limit) {
          refused.push(raw.length);
          res.writeHead(413).end(JSON.stringify({ title: 'Payload Too Large', detail: 'request entity too large' }));
          return;
        }
        bodies.push(raw.length);
        const body = JSON.parse(raw.toString('utf8')) as DiscoveryReport;
        const rejected = body.certificates
          .map((entry, index) => ({ index, path: entry.path, error: 'not a certificate' }))
          .filter((entry) => body.certificates[entry.index].certificate_pem.startsWith('bad'));
        const received = body.certificates.length - rejected.length;
        res.writeHead(202).end(JSON.stringify({ received, new: received, rejected }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    bodies.length = 0;
    refused.length = 0;
  });

  it('sends a 3 MiB report as several accepted requests and merges the answers (rejected indexes into the whole report)', async () => {
    const report = bigReport(1500, [2, 1400]);
    expect(Buffer.byteLength(JSON.stringify(report))).toBeGreaterThan(GATEWAY_BODY_LIMIT * 2);
    const client = new GatewayClient({ baseUrl }, 'agent-1', 'ck_agent');
    const answer = await client.discoveries(report);
    expect(bodies.length).toBeGreaterThanOrEqual(4);
    expect(refused).toEqual([]);
    expect(answer).toEqual({
      received: 1498,
      new: 1498,
      requests: bodies.length,
      rejected: [
        { index: 2, path: '/etc/ssl/site-2.pem', error: 'not a certificate' },
        { index: 1400, path: '/etc/ssl/site-1400.pem', error: 'not a certificate' },
      ],
    });
  });

  it('a gateway configured with a smaller limit (413) gets the batches halved; one certificate alone over the limit comes back rejected', async () => {
    limit = 64 * 1024;
    try {
      const report = bigReport(1500, [7]);
      report.certificates[900].certificate_pem = 'good' + 'B'.repeat(66000); // with its JSON, over 64 KiB alone
      const answer = await new GatewayClient({ baseUrl }, 'agent-1', 'ck_agent').discoveries(report);
      expect(bodies.every((size) => size <= limit)).toBe(true);
      expect(refused.length).toBeLessThan(12); // the smaller budget is kept for the rest of the report
      expect(answer).toEqual({
        received: 1498,
        new: 1498,
        requests: bodies.length + refused.length,
        rejected: [
          { index: 7, path: '/etc/ssl/site-7.pem', error: 'not a certificate' },
          { index: 900, path: '/etc/ssl/site-900.pem', error: 'larger than the server accepts in one request (HTTP 413)' },
        ],
      });
    } finally {
      limit = GATEWAY_BODY_LIMIT;
    }
  });
});
