import type { DigestContent } from '@certctl/contracts';
import { digestHtml } from './digest-html';

const content: DigestContent = {
  date: '2026-11-23',
  generated_at: '2026-11-23T08:00:00.000Z',
  expiring: {
    within_7_days: 1,
    within_30_days: 3,
    items: [{ id: 'cert-1', name: '<script>alert(1)</script>.example.com', status: 'active', expires_at: '2026-11-25T00:00:00.000Z' }],
  },
  failed_jobs: {
    since: '2026-11-22T08:00:00.000Z',
    count: 1,
    items: [
      {
        id: 'job-1',
        type: 'renewal',
        certificate_id: 'cert-2',
        certificate_name: 'mail.example.com',
        at: '2026-11-23T01:00:00.000Z',
        last_error: 'CA said "no" & quit',
        requested_by: 'scheduler',
      },
    ],
  },
  awaiting_approval: { count: 0, items: [] },
  notifications_dead: { count: 2, items: [] },
  agents_offline: { count: 1, items: [{ id: 'agt-1', name: 'edge-1', last_heartbeat_at: null }] },
};

describe('digestHtml', () => {
  it('ok/lists every section with its count and items, every value escaped', () => {
    const html = digestHtml(content)!;
    expect(html).toContain('<h2>certctl digest 2026-11-23</h2>');
    expect(html).toContain('within 7 days: <b>1</b>; within 30 days: <b>3</b>');
    expect(html).toContain('<h3>Certificates expiring within 30 days: 3 (first 1)</h3>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.example.com');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<td>CA said &quot;no&quot; &amp; quit</td>');
    expect(html).toContain('<h3>Jobs awaiting approval: 0</h3>');
    expect(html).toContain('<h3>Dead notifications: 2 (first 0)</h3>');
    expect(html).toContain('<td>edge-1</td><td>agt-1</td><td>never</td>');
  });

  it('fail/a payload that is not a digest gets no HTML part', () => {
    expect(digestHtml({ certificate: { id: 'cert-1' } })).toBeUndefined();
    expect(digestHtml(undefined)).toBeUndefined();
  });
});
