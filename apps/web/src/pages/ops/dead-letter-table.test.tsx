import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderSignedIn } from '../../testing/render';
import { type Delivery, DeadLetterTable } from './dead-letter-table';
import { NotificationsPage } from './notifications';

const dead = (id: string): Delivery => ({
  id,
  event: 'certificate.issued',
  certificate_id: 'web-1',
  channel: 'webhook',
  channel_id: 'ch-1',
  recipient: 'http://127.0.0.1:9/hook',
  subject: 'issued',
  message: 'issued',
  severity: 'info',
  status: 'dead',
  retry_count: 2,
  next_retry_at: null,
  last_error: 'connect ECONNREFUSED 127.0.0.1:9',
  delivered_attempt: null,
  sent_at: null,
  created_at: '2026-12-05T08:00:00.000Z',
});

/** The requeue route: n-2 is refused (already requeued by someone else), the others answer pending. */
function serve() {
  return mockFetch((url, init) => {
    const match = /^\/api\/v1\/notifications\/([^/]+)\/requeue$/.exec(url.pathname);
    if (!match || init.method !== 'POST') return undefined;
    if (match[1] === 'n-2') return { status: 409, body: { title: 'Conflict', detail: 'notification n-2 is pending, not dead' } };
    return { body: { ...dead(match[1]), status: 'pending' } };
  });
}
const requeued = (calls: ReturnType<typeof serve>) =>
  calls.filter((call) => call.url.pathname.endsWith('/requeue')).map((call) => call.url.pathname.split('/')[4]);

describe('the dead-letter table', { timeout: 20_000 }, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows why each notification died', () => {
    serve();
    renderSignedIn(<DeadLetterTable rows={[dead('n-1')]} />, 'viewer');
    expect(screen.getByRole('cell', { name: 'connect ECONNREFUSED 127.0.0.1:9' })).toBeTruthy();
    expect(screen.getByRole('cell', { name: '2' })).toBeTruthy();
  });

  it('requeues one notification from its row', async () => {
    const calls = serve();
    renderSignedIn(<DeadLetterTable rows={[dead('n-1'), dead('n-3')]} />, 'operator');
    fireEvent.click(screen.getByRole('button', { name: 'Requeue n-3' }));
    expect((await screen.findByTestId('requeue-outcome')).textContent).toBe('1 requeued.');
    expect(requeued(calls)).toEqual(['n-3']);
  });

  it('requeues the selected ones, one call each, and explains the one the API refused', async () => {
    const calls = serve();
    renderSignedIn(<DeadLetterTable rows={[dead('n-1'), dead('n-2'), dead('n-3')]} />, 'operator');
    const bulk = screen.getByRole('button', { name: /Requeue selected/ });
    expect((bulk as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select n-1' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select n-2' }));
    expect(bulk.textContent).toBe('Requeue selected (2)');
    fireEvent.click(bulk);
    const outcome = await screen.findByTestId('requeue-outcome');
    await waitFor(() => expect(outcome.textContent).toMatch(/^1 requeued, 1 refused:.*n-2 is pending, not dead/));
    expect(requeued(calls)).toEqual(['n-1', 'n-2']);
    expect((screen.getByRole('checkbox', { name: 'Select n-1' }) as HTMLInputElement).checked).toBe(false);
  });

  it('selects every row with "select all"', async () => {
    const calls = serve();
    renderSignedIn(<DeadLetterTable rows={[dead('n-1'), dead('n-3')]} />, 'operator');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all dead notifications' }));
    fireEvent.click(screen.getByRole('button', { name: 'Requeue selected (2)' }));
    expect((await screen.findByTestId('requeue-outcome')).textContent).toBe('2 requeued.');
    expect(requeued(calls)).toEqual(['n-1', 'n-3']);
  });

  it('gives a viewer no selection and no requeue button', () => {
    serve();
    renderSignedIn(<DeadLetterTable rows={[dead('n-1')]} />, 'viewer');
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: /Requeue/ })).toBeNull();
  });

  it('opens on the dead-letter tab from the overview link and lists only dead notifications', async () => {
    const calls = mockFetch((url) =>
      url.pathname === '/api/v1/notifications' ? { body: { data: [dead('n-9')], next_cursor: null } } : undefined,
    );
    window.history.pushState(null, '', '/notifications?tab=dead');
    renderSignedIn(<NotificationsPage />, 'operator');
    expect(screen.getByRole('tab', { name: 'Dead letters' }).getAttribute('aria-selected')).toBe('true');
    await screen.findByRole('button', { name: 'Requeue n-9' });
    expect(calls[0].url.searchParams.get('status')).toBe('dead');
    window.history.pushState(null, '', '/');
  });
});
