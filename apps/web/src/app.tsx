import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { SignIn } from './auth/sign-in';
import { useSession, useSessionState } from './auth/session';
import { AgentsPage } from './pages/agents';
import { CertificateDetailPage } from './pages/certificate-detail';
import { CertificatesPage } from './pages/certificates';
import { ConfigResourcePage } from './pages/config-resource';
import { CONFIG_RESOURCES } from './pages/config-resources';
import { IssuerDetailPage } from './pages/issuer-detail';
import { IssuersPage } from './pages/issuers';
import { JobsPage } from './pages/jobs';
import { OverviewPage } from './pages/overview';
import { opsNav, opsPage } from './pages/ops/routes';
import { Link, useLocation } from './router';

const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/certificates', label: 'Certificates' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/agents', label: 'Agents' },
  { href: '/issuers', label: 'Issuers' },
  { href: '/profiles', label: 'Profiles' },
  { href: '/renewal-policies', label: 'Policies' },
  { href: '/owners', label: 'Owners' },
  { href: '/teams', label: 'Teams' },
  { href: '/targets', label: 'Targets' },
];

/** The signed-in shell: navigation, who is signed in, and the page the path names. */
export function App() {
  const { session, restore } = useSessionState();
  const [restoring, setRestoring] = useState(true);
  const queryClient = useQueryClient();
  useEffect(() => {
    void restore().finally(() => setRestoring(false));
  }, [restore]);
  useEffect(() => {
    if (!session) queryClient.clear();
  }, [session, queryClient]);
  if (restoring) return <p className="muted">Loading…</p>;
  if (!session) return <SignIn />;
  return (
    <div className="shell">
      <header className="topbar">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <strong className="brand">certctl</strong>
        <Nav />
        <span className="who" data-testid="who">
          {session.whoami.key_name} · <span className="role">{session.whoami.role}</span>
        </span>
        <button type="button" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </div>
  );
}

function Nav() {
  const { path } = useLocation();
  const { can } = useSession();
  return (
    <nav aria-label="Main">
      <ul>
        {[...NAV, ...opsNav(can)].map((item) => {
          const current = item.href === '/' ? path === '/' : path.startsWith(item.href);
          return (
            <li key={item.href}>
              <Link href={item.href} aria-current={current ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function Page() {
  const { path } = useLocation();
  const detail = /^\/certificates\/([^/]+)$/.exec(path);
  if (detail) return <CertificateDetailPage id={decodeURIComponent(detail[1])} />;
  if (path === '/certificates') return <CertificatesPage />;
  if (path === '/jobs') return <JobsPage />;
  if (path === '/agents') return <AgentsPage />;
  const issuer = /^\/issuers\/([^/]+)$/.exec(path);
  if (issuer) return <IssuerDetailPage id={decodeURIComponent(issuer[1])} />;
  if (path === '/issuers') return <IssuersPage />;
  if (CONFIG_RESOURCES[path]) return <ConfigResourcePage key={path} resource={CONFIG_RESOURCES[path]} />;
  const ops = opsPage(path);
  if (ops) return ops;
  if (path === '/') return <OverviewPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
