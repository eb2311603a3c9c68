import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderSignedIn } from '../testing/render';
import { JobDecision } from './job-decision';

const job = { id: 'job-1', requested_by: 'apikey:alice' };

describe('approve / reject a held job', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the reason with the approval', async () => {
    const calls = mockFetch((url) =>
      url.pathname === '/api/v1/jobs/job-1/approve' ? { body: { id: 'job-1', status: 'pending' } } : undefined,
    );
    renderSignedIn(<JobDecision job={job} />, 'operator');
    fireEvent.change(screen.getByLabelText('Reason'), { target: { value: 'change CR-42' } });
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    expect((await screen.findByRole('status')).textContent).toBe('Job pending.');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ reason: 'change CR-42' });
  });

  it('explains the two-person rule when the API refuses a self-approval', async () => {
    mockFetch(() => ({
      status: 403,
      body: {
        title: 'Forbidden',
        detail: 'job job-1 was requested by apikey:alice or a key of the same owner; another person must approve or reject it',
      },
    }));
    renderSignedIn(<JobDecision job={job} />, 'operator');
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(screen.getByTestId('two-person').textContent).toMatch(/Two-person rule.*someone else must approve/));
  });

  it('explains a 403 instead of showing nothing', async () => {
    mockFetch(() => ({
      status: 403,
      body: { title: 'Forbidden', detail: 'This route needs the permission "jobs:approve", which role "viewer" does not have.' },
    }));
    renderSignedIn(<JobDecision job={job} />, 'viewer');
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Not allowed for your role.*jobs:approve/);
  });
});
