import { Controller, Get, Post } from '@nestjs/common';
import { PERMISSIONS, Permission, ROLES, roleAllows } from '@certctl/contracts';
import { Public } from '@certctl/platform';
import { DOCUMENTED_CONTROLLERS, GATEWAY_CONTROLLERS } from '../controllers';
import { Endpoint, assertEveryRouteDeclared, describeRoutes } from './endpoint';

@Controller('api/v1/things')
class Declared {
  @Get(':id')
  @Endpoint({ permission: Permission.InventoryRead, tag: 't', summary: 'get' })
  get() {}

  @Public()
  @Get()
  open() {}
}

@Controller('api/v1/leaky')
class Undeclared {
  @Post()
  create() {}
}

describe('route declarations', () => {
  it('reads method, path and permission from Nest metadata', () => {
    const routes = describeRoutes([Declared]);
    expect(routes.map((r) => [r.method, r.path, r.openApiPath, r.public, r.spec?.permission])).toEqual([
      ['GET', '/api/v1/things', '/api/v1/things', true, undefined],
      ['GET', '/api/v1/things/:id', '/api/v1/things/{id}', false, 'inventory:read'],
    ]);
  });

  it('fail/a route without a permission or @Public stops the start, naming it', () => {
    expect(() => assertEveryRouteDeclared(describeRoutes([Declared, Undeclared]))).toThrow(/POST \/api\/v1\/leaky \(Undeclared\.create\)/);
  });

  it('every gateway route declares a permission or is public', () => {
    const routes = describeRoutes(DOCUMENTED_CONTROLLERS);
    expect(() => assertEveryRouteDeclared(routes)).not.toThrow();
    expect(routes.length).toBeGreaterThan(15);
    expect(
      describeRoutes(GATEWAY_CONTROLLERS)
        .filter((r) => r.public)
        .map((r) => r.path),
    ).toEqual(expect.arrayContaining(['/api/v1/version', '/api/openapi.json', '/api/docs']));
  });

  it('only agent heartbeats opt out of the audit trail', () => {
    const optedOut = describeRoutes(GATEWAY_CONTROLLERS).filter((r) => r.spec?.audit === false);
    expect(optedOut.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/agents/:id/heartbeat']);
  });

  it('notification channels and rules are configured with their own permission, not inventory:write', () => {
    const creates = describeRoutes(GATEWAY_CONTROLLERS).filter((r) => r.method === 'POST' && /notification-(channels|rules)$/.test(r.path));
    expect(creates.map((r) => [r.path, r.spec?.permission])).toEqual([
      ['/api/v1/notification-channels', 'notifications:write'],
      ['/api/v1/notification-rules', 'notifications:write'],
    ]);
  });

  it('every mutating route names its audit action and resource', () => {
    for (const r of describeRoutes(GATEWAY_CONTROLLERS).filter((x) => x.method !== 'GET' && !x.public)) {
      expect([r.path, r.spec?.action, r.spec?.resource].every(Boolean)).toBe(true);
    }
  });
});

describe('roles', () => {
  it('viewer only reads, agent only acts as itself (and reads who it is), admin has everything', () => {
    for (const p of PERMISSIONS) {
      expect(roleAllows('admin', p)).toBe(true);
      expect(roleAllows('viewer', p)).toBe(p.endsWith(':read'));
      expect(roleAllows('agent', p)).toBe(p === 'agent:self' || p === 'session:read');
    }
  });

  it('operator has lifecycle actions but not keys, issuers, configuration or bulk revocation', () => {
    expect(roleAllows('operator', Permission.CertificatesWrite)).toBe(true);
    expect(roleAllows('operator', Permission.JobsApprove)).toBe(true);
    expect(roleAllows('operator', Permission.CertificatesRevoke)).toBe(true);
    for (const p of [
      Permission.ApiKeysManage,
      Permission.IssuersWrite,
      Permission.InventoryWrite,
      Permission.NotificationsWrite,
      Permission.CertificatesBulkRevoke,
    ]) {
      expect(roleAllows('operator', p)).toBe(false);
    }
    expect(ROLES).toEqual(['viewer', 'operator', 'admin', 'agent']);
  });
});
