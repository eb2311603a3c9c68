import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { type ResponseOf, request } from '../api/client';

export type Whoami = ResponseOf<'/api/v1/auth/whoami', 'get'>;
export type Permission = Whoami['permissions'][number];

const STORAGE_KEY = 'certctl.apiKey';

export interface Session {
  apiKey: string;
  whoami: Whoami;
  can: (permission: Permission) => boolean;
  signOut: () => void;
}

interface SessionState {
  session: Session | null;
  signIn: (apiKey: string, remember: boolean) => Promise<void>;
  restore: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/**
 * The API key lives in memory only (a reload asks again) unless the user opts in to
 * "remember in this tab" (sessionStorage: gone when the tab closes). The role and
 * permissions come from GET /api/v1/auth/whoami, never from the key itself.
 */
export function SessionProvider({
  children,
  initial = null,
}: {
  children: ReactNode;
  initial?: { apiKey: string; whoami: Whoami } | null;
}) {
  const [state, setState] = useState<{ apiKey: string; whoami: Whoami } | null>(initial);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setState(null);
  }, []);
  const signIn = useCallback(async (apiKey: string, remember: boolean) => {
    const whoami = await request(apiKey, 'get', '/api/v1/auth/whoami');
    if (remember) sessionStorage.setItem(STORAGE_KEY, apiKey);
    else sessionStorage.removeItem(STORAGE_KEY);
    setState({ apiKey, whoami });
  }, []);
  const restore = useCallback(async () => {
    const saved = sessionStorage.getItem(STORAGE_KEY);
    if (!saved) return;
    try {
      setState({ apiKey: saved, whoami: await request(saved, 'get', '/api/v1/auth/whoami') });
    } catch {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  }, []);
  const value = useMemo<SessionState>(() => {
    const session = state ? { ...state, can: (permission: Permission) => state.whoami.permissions.includes(permission), signOut } : null;
    return { session, signIn, restore };
  }, [state, signIn, restore, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session (pages render only inside the signed-in shell). */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession before sign-in');
  return session;
}
