import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderSignedIn } from '../../testing/render';
import { CreateEabKey } from './eab-keys';

const HMAC = 'c2VjcmV0LWhtYWMta2V5LXNob3duLW9uY2UtMDEyMzQ1Njc4OQ';

function serve() {
  return mockFetch((url, init) => {
    if (url.pathname === '/api/v1/profiles') return { body: { data: [{ id: 'prof-acme', name: 'ACME clients' }], next_cursor: null } };
    if (url.pathname === '/api/v1/acme/eab-keys' && init.method === 'POST') {
      return {
        status: 201,
        body: {
          id: 'kid-1',
          profile_id: 'prof-acme',
          description: 'ci runners',
          account_id: null,
          created_by: 'apikey:admin',
          created_at: '2026-12-05T08:00:00.000Z',
          bound_at: null,
          hmac_key: HMAC,
        },
      };
    }
    return undefined;
  });
}

describe('creating an EAB key', { timeout: 20_000 }, () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the profile and description, then shows the HMAC key once with its kid', async () => {
    const calls = serve();
    renderSignedIn(<CreateEabKey />, 'operator');
    const create = screen.getByRole('button', { name: 'Create EAB key' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true); // no profile chosen yet
    await screen.findByRole('option', { name: 'ACME clients (prof-acme)' });
    fireEvent.change(screen.getByLabelText('Profile'), { target: { value: 'prof-acme' } });
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'ci runners' } });
    fireEvent.click(create);
    const dialog = await screen.findByRole('dialog', { name: 'EAB key kid-1 created' });
    expect((screen.getByLabelText('HMAC key (base64url)') as HTMLInputElement).value).toBe(HMAC);
    expect(screen.getByTestId('eab-kid').textContent).toBe('kid-1');
    expect(dialog.textContent).toMatch(/Shown once/);
    const post = calls.find((call) => call.init.method === 'POST')!;
    expect(JSON.parse(String(post.init.body))).toEqual({ profile_id: 'prof-acme', description: 'ci runners' });
  });

  it('forgets the HMAC key once the dialog is closed: it is never shown again', async () => {
    serve();
    const { container } = renderSignedIn(<CreateEabKey />, 'operator');
    await screen.findByRole('option', { name: 'ACME clients (prof-acme)' });
    fireEvent.change(screen.getByLabelText('Profile'), { target: { value: 'prof-acme' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create EAB key' }));
    await screen.findByRole('dialog');
    fireEvent.click(screen.getByRole('button', { name: 'I have saved it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(container.innerHTML).not.toContain(HMAC);
    expect(document.body.innerHTML).not.toContain(HMAC);
  });

  it('explains a refusal instead of showing a secret', async () => {
    mockFetch((url) =>
      url.pathname === '/api/v1/profiles'
        ? { body: { data: [{ id: 'prof-acme', name: 'ACME clients' }], next_cursor: null } }
        : {
            status: 403,
            body: { title: 'Forbidden', detail: 'This route needs the permission "acme:manage", which role "operator" does not have.' },
          },
    );
    renderSignedIn(<CreateEabKey />, 'operator');
    await screen.findByRole('option', { name: 'ACME clients (prof-acme)' });
    fireEvent.change(screen.getByLabelText('Profile'), { target: { value: 'prof-acme' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create EAB key' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Not allowed for your role.*acme:manage/);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
