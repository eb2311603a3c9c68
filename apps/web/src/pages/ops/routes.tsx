import type { ReactElement } from 'react';
import '../../styles/ops.css';
import type { Permission } from '../../auth/session';
import { AcmePage } from './acme';
import { ApiKeysPage } from './api-keys';
import { AuditPage } from './audit';
import { DiscoveredPage } from './discovered';
import { HealthChecksPage } from './health-checks';
import { NotificationsPage } from './notifications';

/**
 * The operational pages: path, navigation label, the page, and the permission without which the link is hidden.
 * Paths stay clear of what the gateway keeps for itself (/api, /acme, /health, /ready, …): /acme-admin, /endpoint-health.
 */
const OPS_PAGES: { href: string; label: string; page: () => ReactElement; needs?: Permission }[] = [
  { href: '/discovered', label: 'Discovered', page: () => <DiscoveredPage /> },
  { href: '/endpoint-health', label: 'Endpoint health', page: () => <HealthChecksPage /> },
  { href: '/notifications', label: 'Notifications', page: () => <NotificationsPage /> },
  { href: '/acme-admin', label: 'ACME', page: () => <AcmePage /> },
  { href: '/audit', label: 'Audit', page: () => <AuditPage /> },
  { href: '/api-keys', label: 'API keys', page: () => <ApiKeysPage />, needs: 'api_keys:manage' },
];

/** Navigation entries for the signed-in role (a hidden page still explains a 403 when opened by URL). */
export function opsNav(can: (permission: Permission) => boolean): { href: string; label: string }[] {
  return OPS_PAGES.filter((page) => !page.needs || can(page.needs)).map(({ href, label }) => ({ href, label }));
}

/** The operational page at `path`, or null when the path is not one of them. */
export function opsPage(path: string): ReactElement | null {
  return OPS_PAGES.find((page) => page.href === path)?.page() ?? null;
}
