import { ApiError } from '../api/client';

/** An API failure explained: a 403 names the missing permission and the role, never a blank page. */
export function Problem({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 403) {
    return (
      <div role="alert" className="notice warn">
        <strong>Not allowed for your role.</strong> {error.message} Ask an administrator for a key with a role that has this permission
        (docs/rbac.md).
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 401) {
    return (
      <div role="alert" className="notice error">
        <strong>Your API key stopped working.</strong> {error.message} Sign out and sign in again.
      </div>
    );
  }
  const title = error instanceof ApiError ? error.title : 'Error';
  return (
    <div role="alert" className="notice error">
      <strong>{title}.</strong> {(error as Error)?.message ?? String(error)}
    </div>
  );
}

/** The three states of a query in one place: loading, failed, or the content. */
export function Loadable<T>({
  query,
  children,
}: {
  query: { data?: T; error: unknown; isPending: boolean };
  children: (data: T) => React.ReactNode;
}) {
  if (query.error) return <Problem error={query.error} />;
  if (query.isPending || query.data === undefined)
    return (
      <p className="muted" aria-live="polite">
        Loading…
      </p>
    );
  return <>{children(query.data)}</>;
}
