import * as acme from 'acme-client';
import { Client } from 'pg';
import { directoryUrl, issueWithDns01, trustPlatformCa } from './acme-support';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';
import { insertFastRenewalFixtures } from './renewal-fixtures';

// Changes made without a REST call (ACME requests, the scheduler's renewals, bulk revocation
// jobs) reach the audit trail through the bus: the service that made the change publishes
// certctl.v1.events.audit.recorded and the gateway writes the row.

jest.setTimeout(120000);
trustPlatformCa();

const fastPolling = { backoffAttempts: 30, backoffMin: 100, backoffMax: 500 };

/** Audit rows of one actor (newest first), optionally narrowed by resource id; waits until `enough` says so. */
async function auditOf(actor: string, enough: (rows: any[]) => boolean, resourceId?: string): Promise<any[]> {
  const q = new URLSearchParams({ actor, limit: '200', ...(resourceId ? { resource_id: resourceId } : {}) });
  return waitFor(
    async () => {
      const r = await api('GET', `/api/v1/audit?${q}`);
      expect(r.status).toBe(200);
      return enough(r.body.data) ? (r.body.data as any[]) : undefined;
    },
    30000,
    `audit rows of ${actor}`,
  );
}

const hasActions = (actions: string[]) => (rows: any[]) => actions.every((a) => rows.some((r) => r.action === a));

describe('audit trail of changes made without a REST call', () => {
  it('ok/an ACME account, order, finalize, revocation, key change and deactivation are audited under acme:<account id>', async () => {
    const client = new acme.Client({
      directoryUrl: directoryUrl(),
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      ...fastPolling,
    });
    await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ops@example.com'] });
    const accountId = client.getAccountUrl().split('/').pop()!;
    const name = `audit-${Date.now().toString(36)}.example.test`;
    const [, csr] = await acme.crypto.createCsr({ commonName: name, altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
    const pem = await issueWithDns01(client, csr);
    await client.revokeCertificate(pem, { reason: 4 });
    await client.updateAccountKey(await acme.crypto.createPrivateEcdsaKey());
    await client.updateAccount({ status: 'deactivated' });

    const actor = `acme:${accountId}`;
    const rows = await auditOf(
      actor,
      hasActions([
        'acme.account.create',
        'acme.order.create',
        'acme.order.finalize',
        'acme.certificate.revoke',
        'acme.account.key_change',
        'acme.account.deactivate',
      ]),
    );
    for (const r of rows) {
      expect(r).toMatchObject({ actor, role: 'acme_account', method: 'BUS', path: 'bus:acme', status: null, source_ip: null });
      expect(r.request_id).toMatch(/^bus:/);
      expect(r.details).toMatchObject({ outcome: 'success', service: 'acme' });
    }
    // one row per change: the gateway's replicas share the event (queue group)
    expect(rows.filter((r) => r.action === 'acme.order.create')).toHaveLength(1);
    const order = rows.find((r) => r.action === 'acme.order.create');
    expect(order).toMatchObject({ resource_type: 'acme_order', details: { identifiers: [name] } });
    const finalize = rows.find((r) => r.action === 'acme.order.finalize');
    expect(finalize).toMatchObject({ resource_type: 'acme_order', resource_id: order.resource_id, details: { status: 'valid' } });
    const revoke = rows.find((r) => r.action === 'acme.certificate.revoke');
    expect(revoke).toMatchObject({
      resource_type: 'certificate',
      resource_id: finalize.details.certificate_id,
      details: { reason_code: 4 },
    });
    expect(rows.find((r) => r.action === 'acme.account.create')).toMatchObject({ resource_type: 'acme_account', resource_id: accountId });
    // no certificate, CSR or key material in the rows
    expect(JSON.stringify(rows)).not.toMatch(/BEGIN|csr|"jwk"|"d":/i);
  });

  describe('an automatic renewal', () => {
    const suffix = Date.now().toString(36);
    const policyId = `rp-e2e-audit-${suffix}`;
    const profileId = `prof-e2e-audit-${suffix}`;

    beforeAll(async () => {
      await insertFastRenewalFixtures(policyId, profileId);
    });

    afterAll(async () => {
      const db = new Client({ connectionString: readState().env.DATABASE_URL });
      await db.connect();
      await db.query('UPDATE renewal_policies SET auto_renew = false WHERE id = $1', [policyId]).finally(() => db.end());
    });

    it('ok/the scheduler creating the renewal job and the renewal completing are audited with the actor scheduler', async () => {
      const created = await api('POST', '/api/v1/certificates', {
        body: { ...validCertificate(`audit-renew-${suffix}`), renewal_policy_id: policyId, profile_id: profileId },
      });
      expect(created.status).toBe(201);
      const certId: string = created.body.id;
      const job = await waitFor(
        async () => (await api('GET', `/api/v1/jobs?certificate_id=${certId}&type=renewal&status=completed`)).body.data?.[0],
        60000,
        'a completed renewal job',
      );
      expect(job).toMatchObject({ requested_by: 'scheduler' });

      const rows = await auditOf('scheduler', hasActions(['certificate.renewal.schedule', 'certificate.renewal.complete']), certId);
      const schedule = rows.find((r) => r.action === 'certificate.renewal.schedule' && r.details.job_id === job.id);
      const complete = rows.find((r) => r.action === 'certificate.renewal.complete' && r.details.job_id === job.id);
      expect(schedule).toMatchObject({ role: 'scheduler', method: 'BUS', path: 'bus:inventory', resource_type: 'certificate' });
      expect(complete).toMatchObject({
        role: 'scheduler',
        resource_type: 'certificate',
        resource_id: certId,
        details: { outcome: 'success' },
      });
      const versions = await api('GET', `/api/v1/certificates/${certId}/versions`);
      expect(versions.body.data).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: complete.details.version_id, serial_number: complete.details.serial_number }),
        ]),
      );
    }, 100000);
  });

  it("ok/each certificate of a bulk revocation job is audited under the requester's principal", async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`audit-bulk-${Date.now().toString(36)}`) });
    expect(created.status).toBe(201);
    const certId: string = created.body.id;
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${certId}`)).body.status === 'active' ? true : undefined),
      30000,
      'issuance',
    );

    const bulk = await api('POST', '/api/v1/certificates/bulk-revoke', { body: { ids: [certId], reason: 'superseded' } });
    expect(bulk.status).toBe(202);
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/bulk-revoke/${bulk.body.id}`)).body.status === 'completed' ? true : undefined),
      30000,
      'the bulk revocation to complete',
    );
    // The job's requester is the principal of the key that called bulk-revoke (the admin key here).
    const requester: string = bulk.body.requested_by;
    expect(requester).toBeTruthy();
    const rows = await auditOf(requester, (rs) => rs.some((r) => r.method === 'BUS' && r.action === 'certificate.revoke'), certId);
    expect(rows.find((r) => r.method === 'BUS')).toMatchObject({
      actor: requester,
      role: 'api_key',
      action: 'certificate.revoke',
      path: 'bus:revocation',
      resource_type: 'certificate',
      resource_id: certId,
      details: { bulk_id: bulk.body.id, reason: 'superseded', created: true, outcome: 'success', service: 'revocation' },
    });
  });
});
