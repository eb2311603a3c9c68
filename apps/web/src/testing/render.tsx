import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { type Whoami, SessionProvider } from '../auth/session';

const VIEWER: Whoami['permissions'] = [
  'certificates:read',
  'jobs:read',
  'inventory:read',
  'issuers:read',
  'notifications:read',
  'audit:read',
  'acme:read',
  'session:read',
];
const PERMISSIONS: Record<string, Whoami['permissions']> = {
  viewer: VIEWER,
  operator: [...VIEWER, 'certificates:write', 'certificates:revoke', 'jobs:approve', 'jobs:retry', 'notifications:manage'],
};
// An admin also writes the configuration resources (profiles, targets, …).
PERMISSIONS.admin = [...PERMISSIONS.operator, 'inventory:write'];

export function whoamiOf(role: 'viewer' | 'operator' | 'admin'): Whoami {
  return {
    key_id: `key-${role}`,
    key_name: `${role}-key`,
    principal: `apikey:${role}`,
    role,
    agent_id: null,
    permissions: PERMISSIONS[role],
  };
}

/** Renders a page signed in with the given role, with a fresh query client (no retries). */
export function renderSignedIn(ui: ReactNode, role: 'viewer' | 'operator' | 'admin') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, refetchInterval: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider initial={{ apiKey: 'test-key', whoami: whoamiOf(role) }}>{ui}</SessionProvider>
    </QueryClientProvider>,
  );
}

type Route = (url: URL, init: RequestInit) => { status?: number; body: unknown } | undefined;

/** Replaces fetch with a router over the given handlers; every call is recorded. */
export function mockFetch(route: Route) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const fetchMock = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://dashboard.test');
    calls.push({ url, init });
    const answer = route(url, init) ?? { status: 404, body: { title: 'Not Found', detail: `no mock for ${url.pathname}` } };
    const status = answer.status ?? 200;
    return new Response(JSON.stringify(answer.body), {
      status,
      headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}
