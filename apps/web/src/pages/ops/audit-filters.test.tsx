import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderSignedIn } from '../../testing/render';
import { AuditPage } from './audit';
import { localToIso } from './audit-filters';

const event = (id: string, action: string) => ({
  id,
  occurred_at: '2026-12-05T08:00:00.000Z',
  actor: 'apikey:alice',
  role: 'admin',
  action,
  method: 'POST',
  path: '/api/v1/api-keys',
  resource_type: 'api_key',
  resource_id: 'key-1',
  status: 201,
  body_sha256: null,
  latency_ms: 3,
  request_id: 'r1',
  source_ip: '127.0.0.1',
  details: {},
});

function serve() {
  return mockFetch((url) => {
    if (url.pathname === '/api/v1/audit') return { body: { data: [event('a1', 'api_key.create')], next_cursor: 'next-1' } };
    return undefined;
  });
}
const lastList = (calls: ReturnType<typeof serve>) =>
  Object.fromEntries(calls.filter((call) => call.url.pathname === '/api/v1/audit').pop()!.url.searchParams);

// A busy CI machine can take seconds for the first render of a file: the default 5 s is not about this code.
describe('the audit filter form', { timeout: 20_000 }, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the filters to the server only on Apply, with the time range in UTC', async () => {
    const calls = serve();
    renderSignedIn(<AuditPage />, 'viewer');
    await screen.findByRole('cell', { name: 'api_key.create' });
    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: ' apikey:alice ' } });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'api_key.create' } });
    fireEvent.change(screen.getByLabelText('Resource type'), { target: { value: 'api_key' } });
    fireEvent.change(screen.getByLabelText('From (UTC)'), { target: { value: '2026-12-01T00:00' } });
    fireEvent.change(screen.getByLabelText('To (UTC)'), { target: { value: '2026-12-06T12:30' } });
    expect(lastList(calls)).toEqual({ limit: '50' }); // typing sends nothing
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() =>
      expect(lastList(calls)).toEqual({
        limit: '50',
        actor: 'apikey:alice',
        action: 'api_key.create',
        resource_type: 'api_key',
        since: '2026-12-01T00:00:00.000Z',
        until: '2026-12-06T12:30:00.000Z',
      }),
    );
  });

  it('refuses a range whose start is not before its end, without asking the server', async () => {
    const calls = serve();
    renderSignedIn(<AuditPage />, 'viewer');
    await screen.findByRole('cell', { name: 'api_key.create' });
    const before = calls.length;
    fireEvent.change(screen.getByLabelText('From (UTC)'), { target: { value: '2026-12-06T00:00' } });
    fireEvent.change(screen.getByLabelText('To (UTC)'), { target: { value: '2026-12-01T00:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('alert')).textContent).toBe('"From" must be before "To".');
    expect(calls.length).toBe(before);
  });

  it('pages with the cursor and starts again from the first page when the filters change', async () => {
    const calls = serve();
    renderSignedIn(<AuditPage />, 'viewer');
    await screen.findByRole('cell', { name: 'api_key.create' });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(lastList(calls).cursor).toBe('next-1'));
    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: 'apikey:bob' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(lastList(calls)).toEqual({ limit: '50', actor: 'apikey:bob' }));
  });

  it('Clear empties every field and lists everything again', async () => {
    const calls = serve();
    renderSignedIn(<AuditPage />, 'viewer');
    await screen.findByRole('cell', { name: 'api_key.create' });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'certificate.revoke' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(lastList(calls).action).toBe('certificate.revoke'));
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(lastList(calls)).toEqual({ limit: '50' }));
    expect((screen.getByLabelText('Action') as HTMLInputElement).value).toBe('');
  });

  it('reads a datetime-local value as UTC and ignores an empty one', () => {
    expect(localToIso('2026-12-05T08:15')).toBe('2026-12-05T08:15:00.000Z');
    expect(localToIso('')).toBe('');
  });
});
