import { AUDIT_EVENT_MAX_DETAILS, AuditEvents } from '@certctl/contracts';
import { auditEvent } from './audit-event';

const base = { service: 'acme', actor: { principal: 'acme:acct_1', kind: 'acme_account' as const }, action: 'acme.order.create' };

describe('auditEvent (payload of certctl.v1.events.audit.recorded)', () => {
  it('ok/builds a payload the contract accepts, with the actor, resource and outcome given', () => {
    const p = auditEvent({ ...base, resource_type: 'acme_order', resource_id: 'ord_1', details: { identifiers: ['a.example'] } });
    expect(AuditEvents.recorded.payload.parse(p)).toEqual(p);
    expect(p).toMatchObject({
      service: 'acme',
      actor: { principal: 'acme:acct_1', kind: 'acme_account' },
      action: 'acme.order.create',
      resource_type: 'acme_order',
      resource_id: 'ord_1',
      outcome: 'success',
      details: { identifiers: ['a.example'] },
    });
    expect(p.event_id).not.toEqual(auditEvent(base).event_id);
  });

  it('ok/drops secrets by key name at every depth (keys, CSRs, PEMs, tokens, passwords, JWKs)', () => {
    const p = auditEvent({
      ...base,
      details: {
        csr_pem: '-----BEGIN CERTIFICATE REQUEST-----',
        private_key: 'k',
        hmac_key: 'h',
        jwk: { kty: 'EC', d: 'secret-d' },
        nested: { password: 'p', token: 't', serial_number: '01ab' },
        certificate_pem: '-----BEGIN CERTIFICATE-----',
        reason: 'keyCompromise',
      },
    });
    expect(p.details).toEqual({ nested: { serial_number: '01ab' }, reason: 'keyCompromise' });
    expect(JSON.stringify(p)).not.toMatch(/BEGIN|secret-d|"k"|"h"|"p"|"t"/);
  });

  it('ok/bounds the details: long strings cut, lists and nesting limited, an oversized object replaced by its size', () => {
    const long = auditEvent({
      ...base,
      details: { note: 'x'.repeat(10_000), list: Array.from({ length: 100 }, (_, i) => i), a: { b: { c: { d: 1 } } } },
    });
    expect((long.details.note as string).length).toBeLessThanOrEqual(512);
    expect(long.details.list).toHaveLength(32);
    expect(long.details.a).toEqual({ b: { c: '[nested too deep]' } });
    const many = auditEvent({ ...base, details: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'y'.repeat(500)])) });
    expect(many.details).toEqual({ truncated: true, original_size: expect.any(Number) as number });
    expect((many.details.original_size as number) > AUDIT_EVENT_MAX_DETAILS).toBe(true);
  });

  it('ok/cuts identifiers to the column sizes so the contract never refuses the payload', () => {
    const p = auditEvent({
      ...base,
      actor: { principal: 'a'.repeat(1000), kind: 'api_key' },
      action: 'b'.repeat(500),
      resource_id: 'c'.repeat(500),
    });
    expect(() => AuditEvents.recorded.payload.parse(p)).not.toThrow();
    expect(p.actor.principal.length).toBe(256);
    expect(p.resource_id!.length).toBe(128);
    expect(auditEvent({ ...base, actor: { principal: '', kind: 'system' } }).actor.principal).toBe('unknown');
  });
});
