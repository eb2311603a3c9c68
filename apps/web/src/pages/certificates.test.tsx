import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderSignedIn } from '../testing/render';
import { CertificatesPage } from './certificates';

const cert = (id: string, status = 'active') => ({
  id,
  name: id,
  common_name: `${id}.example.com`,
  sans: [],
  environment: 'production',
  tags: {},
  status,
  issuer_id: 'iss-local',
  profile_id: null,
  owner_id: 'o-alice',
  team_id: 't-platform',
  renewal_policy_id: 'rp-standard',
  agent_id: null,
  source: 'api',
  serial_number: '01',
  not_before: '2026-01-01T00:00:00.000Z',
  not_after: '2026-03-01T00:00:00.000Z',
});

function serve() {
  return mockFetch((url, init) => {
    if (url.pathname === '/api/v1/certificates') return { body: { data: [cert('web-1'), cert('web-2', 'expiring')], next_cursor: 'c2' } };
    if (url.pathname === '/api/v1/certificates/bulk-renew' && init.method === 'POST') {
      const ids = (JSON.parse(String(init.body)) as { ids: string[] }).ids;
      return {
        body: {
          requested: ids.length,
          queued: ids.length,
          skipped: [],
          jobs: ids.map((id) => ({ certificate_id: id, job_id: `job-${id}`, status: 'pending' })),
        },
      };
    }
    if (url.pathname.startsWith('/api/v1/jobs/')) return { body: { id: url.pathname.split('/').pop(), status: 'completed' } };
    if (/^\/api\/v1\/(issuers|owners|teams|profiles)$/.test(url.pathname))
      return { body: { data: [{ id: 'o-alice', name: 'Alice' }], next_cursor: null } };
    return undefined;
  });
}

describe('the certificates table', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    window.sessionStorage.clear();
  });

  it('lists a page and sends the filters the user picks to the list API', async () => {
    const calls = serve();
    renderSignedIn(<CertificatesPage />, 'viewer');
    expect(await screen.findByRole('link', { name: 'web-1' })).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'expiring' } });
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'web' } });
    fireEvent.change(screen.getByLabelText('Sort'), { target: { value: 'expires_at' } });
    await waitFor(() => {
      const last = calls.filter((call) => call.url.pathname === '/api/v1/certificates').pop()!;
      expect(Object.fromEntries(last.url.searchParams)).toMatchObject({ status: 'expiring', q: 'web', sort: 'expires_at', limit: '50' });
    });
  });

  it('pages forward with the cursor the API returned', async () => {
    const calls = serve();
    renderSignedIn(<CertificatesPage />, 'viewer');
    await screen.findByRole('link', { name: 'web-1' });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(calls.some((call) => call.url.searchParams.get('cursor') === 'c2')).toBe(true));
  });

  it('shows a viewer no selection and no write buttons', async () => {
    serve();
    renderSignedIn(<CertificatesPage />, 'viewer');
    await screen.findByRole('link', { name: 'web-1' });
    expect(screen.queryAllByRole('checkbox', { name: /^Select/ })).toHaveLength(0);
    expect(screen.queryByRole('button', { name: /Renew|Revoke/ })).toBeNull();
  });

  it('lets an operator bulk renew the selected rows and follows the jobs to completion', async () => {
    const calls = serve();
    renderSignedIn(<CertificatesPage />, 'operator');
    await screen.findByRole('link', { name: 'web-1' });
    expect(screen.queryByRole('button', { name: 'Revoke selected' })).toBeNull(); // bulk revoke is admin only
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all on this page' }));
    fireEvent.click(screen.getByRole('button', { name: 'Renew selected' }));
    const progress = await screen.findByTestId('renew-progress');
    await waitFor(() => expect(within(progress).getByTestId('renew-done').textContent).toBe('2'));
    const bulk = calls.find((call) => call.url.pathname === '/api/v1/certificates/bulk-renew')!;
    expect(JSON.parse(String(bulk.init.body))).toEqual({ ids: ['web-1', 'web-2'] });
  });

  it('hides and shows columns from the column chooser', async () => {
    serve();
    renderSignedIn(<CertificatesPage />, 'viewer');
    await screen.findByRole('link', { name: 'web-1' });
    expect(screen.getByRole('columnheader', { name: 'Owner' })).toBeTruthy();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Owner' }));
    expect(screen.queryByRole('columnheader', { name: 'Owner' })).toBeNull();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Environment' }));
    expect(screen.getByRole('columnheader', { name: 'Environment' })).toBeTruthy();
  });

  it('applies the profile and expiring-within filters on the server', async () => {
    const calls = serve();
    renderSignedIn(<CertificatesPage />, 'viewer');
    await screen.findByRole('link', { name: 'web-1' });
    await waitFor(() => expect(within(screen.getByRole('combobox', { name: 'Profile' })).getAllByRole('option')).toHaveLength(2));
    fireEvent.change(screen.getByRole('combobox', { name: 'Profile' }), { target: { value: 'o-alice' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Expiring within' }), { target: { value: '30' } });
    await waitFor(() => {
      const last = calls.filter((call) => call.url.pathname === '/api/v1/certificates').pop()!;
      expect(last.url.searchParams.get('profile_id')).toBe('o-alice');
      const before = Date.parse(last.url.searchParams.get('expires_before') ?? '');
      expect(Math.abs(before - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    });
  });

  it('keeps the column choice in the tab: a new page shows the same columns', async () => {
    serve();
    const first = renderSignedIn(<CertificatesPage />, 'viewer');
    await screen.findByRole('link', { name: 'web-1' });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Owner' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Profile' }));
    first.unmount();
    renderSignedIn(<CertificatesPage />, 'viewer');
    await screen.findByRole('link', { name: 'web-1' });
    expect(screen.queryByRole('columnheader', { name: 'Owner' })).toBeNull();
    expect(screen.getByRole('columnheader', { name: 'Profile' })).toBeTruthy();
    expect(JSON.parse(window.sessionStorage.getItem('certctl.certificateColumns')!)).not.toContain('owner_id');
  });
});
