import { z } from 'zod';
import { BUS_SERVICES, missingEnv, requiredEnv, serviceRequirements } from './required-env';

describe('required environment, derived from the config schemas', () => {
  it('counts a variable as required only when it has no default and is not optional', () => {
    const schema = z.object({
      A_URL: z.string().regex(/^x:/),
      B: z.string().default('b'),
      C: z.string().optional(),
      D: z.coerce.number().int(),
      E: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
    });
    expect(requiredEnv(schema)).toEqual([['A_URL'], ['D']]);
  });

  it('requires one of the encryption key variables where the schema seals values at rest', () => {
    const schema = z.object({ CERTCTL_ENCRYPTION_KEY: z.string().optional(), CERTCTL_ENCRYPTION_KEYS: z.string().optional() });
    expect(requiredEnv(schema)).toEqual([['CERTCTL_ENCRYPTION_KEY', 'CERTCTL_ENCRYPTION_KEYS']]);
  });

  it('finds what every service needs: database, NATS, Redis, the encryption key where it seals', () => {
    const flat = (svc: (typeof BUS_SERVICES)[number]) => serviceRequirements(svc, false).map((r) => r.join('|'));
    for (const svc of BUS_SERVICES) expect(flat(svc)).toEqual(expect.arrayContaining(['DATABASE_URL', 'NATS_URL', 'REDIS_URL']));
    // the gateway seals the SCEP RA keys
    for (const svc of ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'notifications'] as const) {
      expect(flat(svc)).toContain('CERTCTL_ENCRYPTION_KEY|CERTCTL_ENCRYPTION_KEYS');
    }
    expect(flat('scheduler')).not.toContain('CERTCTL_ENCRYPTION_KEY|CERTCTL_ENCRYPTION_KEYS');
  });

  it('adds the bus credentials, and the signing key for the services that sign principals', () => {
    const gateway = serviceRequirements('gateway').map((r) => r.join('|'));
    const inventory = serviceRequirements('inventory').map((r) => r.join('|'));
    expect(gateway).toEqual(
      expect.arrayContaining(['NATS_USER', 'NATS_PASSWORD', 'CERTCTL_PRINCIPAL_VERIFY_KEY', 'CERTCTL_PRINCIPAL_SIGNING_KEY']),
    );
    // inventory revokes replaced certificates for re-issuance campaigns: it signs too.
    expect(inventory).toEqual(
      expect.arrayContaining(['NATS_USER', 'NATS_PASSWORD', 'CERTCTL_PRINCIPAL_VERIFY_KEY', 'CERTCTL_PRINCIPAL_SIGNING_KEY']),
    );
    const issuance = serviceRequirements('issuance').map((r) => r.join('|'));
    expect(issuance).not.toContain('CERTCTL_PRINCIPAL_SIGNING_KEY');
  });

  it('reports the requirements no given variable meets', () => {
    expect(missingEnv([['A'], ['B', 'C'], ['D']], ['A', 'C'])).toEqual([['D']]);
  });
});
