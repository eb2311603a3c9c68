import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../app';
import { mockFetch, whoamiOf } from '../testing/render';
import { SessionProvider } from './session';

function renderApp() {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false, refetchInterval: false } } })}>
      <SessionProvider>
        <App />
      </SessionProvider>
    </QueryClientProvider>,
  );
}

function answerWhoami(goodKey: string) {
  return mockFetch((url, init) => {
    if (url.pathname === '/api/v1/auth/whoami') {
      const ok = (init.headers as Record<string, string>).authorization === `Bearer ${goodKey}`;
      return ok
        ? { body: whoamiOf('viewer') }
        : { status: 401, body: { title: 'Unauthorized', detail: 'The API key is unknown, disabled or expired.' } };
    }
    return { body: { data: [], next_cursor: null } };
  });
}

describe('sign-in', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('refuses a wrong key with a message and keeps the form', async () => {
    answerWhoami('right');
    renderApp();
    fireEvent.change(await screen.findByLabelText('API key'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/API key was refused/);
    expect(screen.getByLabelText('API key')).toBeTruthy();
  });

  it('signs in with the key as Bearer, keeping it in memory only unless asked to remember it', async () => {
    const calls = answerWhoami('right');
    renderApp();
    fireEvent.change(await screen.findByLabelText('API key'), { target: { value: 'right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('who')).textContent).toBe('viewer-key · viewer');
    expect(calls[0].url.pathname).toBe('/api/v1/auth/whoami');
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer right');
    expect(sessionStorage.getItem('certctl.apiKey')).toBeNull();
  });

  it('remembers the key in this tab (sessionStorage) when the user opts in', async () => {
    answerWhoami('right');
    renderApp();
    fireEvent.change(await screen.findByLabelText('API key'), { target: { value: 'right' } });
    fireEvent.click(screen.getByLabelText(/Remember in this tab/));
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByTestId('who');
    expect(sessionStorage.getItem('certctl.apiKey')).toBe('right');
  });
});
