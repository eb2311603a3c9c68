import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { useSessionState } from './session';

/** Sign-in with an API key: checked against GET /api/v1/auth/whoami, refused with the reason. */
export function SignIn() {
  const { signIn } = useSessionState();
  const [apiKey, setApiKey] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(apiKey.trim(), remember);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'This API key was refused: it is unknown, disabled or expired. Check the key and try again.'
          : `Sign-in failed: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">certctl</h1>
        <p className="muted">Sign in with an API key. It is kept in this page&apos;s memory only: a reload asks again.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          required
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
        />
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.target.checked)} />
          Remember in this tab (until the tab is closed)
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || apiKey.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
