import { z } from 'zod';

/** API key roles. `agent` keys act only for their own agent id. */
export const roleSchema = z.enum(['viewer', 'operator', 'admin', 'agent']);
export type Role = z.infer<typeof roleSchema>;
export const ROLES: readonly Role[] = roleSchema.options;

/**
 * Every permission a REST route can require. Wire values are stable: add, never rename.
 * `*:read` is reading, `*:write` changing configuration, the rest are lifecycle actions.
 */
export const Permission = {
  CertificatesRead: 'certificates:read',
  CertificatesWrite: 'certificates:write',
  CertificatesRevoke: 'certificates:revoke',
  CertificatesBulkRevoke: 'certificates:bulk_revoke',
  JobsRead: 'jobs:read',
  JobsApprove: 'jobs:approve',
  JobsRetry: 'jobs:retry',
  InventoryRead: 'inventory:read',
  InventoryWrite: 'inventory:write',
  IssuersRead: 'issuers:read',
  IssuersWrite: 'issuers:write',
  NotificationsRead: 'notifications:read',
  NotificationsManage: 'notifications:manage',
  /** Create notification channels and routing rules (configuration: admin only, like inventory:write). */
  NotificationsWrite: 'notifications:write',
  AuditRead: 'audit:read',
  ApiKeysManage: 'api_keys:manage',
  AgentSelf: 'agent:self',
  AcmeRead: 'acme:read',
  AcmeManage: 'acme:manage',
  /** Download a server-generated private key (admin only: not in READ or LIFECYCLE). */
  CertificatesPrivateKeyExport: 'certificates:private_key_export',
  /** Read one's own key, role and permissions (GET /api/v1/auth/whoami): every role. */
  SessionRead: 'session:read',
  /** Start, pause, resume, cancel and retry fleet re-issuance campaigns (admin only). */
  FleetReissue: 'fleet:reissue',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];
export const PERMISSIONS: readonly Permission[] = Object.values(Permission);

const READ: Permission[] = [
  Permission.SessionRead,
  Permission.CertificatesRead,
  Permission.JobsRead,
  Permission.InventoryRead,
  Permission.IssuersRead,
  Permission.NotificationsRead,
  Permission.AuditRead,
  Permission.AcmeRead,
];
const LIFECYCLE: Permission[] = [
  Permission.CertificatesWrite,
  Permission.CertificatesRevoke,
  Permission.JobsApprove,
  Permission.JobsRetry,
  Permission.NotificationsManage,
];

/** What each role may do; the single source for the guard, the docs and the tests. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set(READ),
  operator: new Set([...READ, ...LIFECYCLE]),
  admin: new Set(PERMISSIONS),
  agent: new Set([Permission.AgentSelf, Permission.SessionRead]),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.has(permission) ?? false;
}
