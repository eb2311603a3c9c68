import { type CreatedCa, type CryptoKey, createRootCa, generateKeyPair, signLeaf } from '@certctl/pki';
import type { InventoryConfig } from '../config';
import { DiscoveryTriageService } from './discovery-triage.service';
import type { Finding } from './discovery-parse';
import type { DiscoveredRow, DiscoveryRepository, ImportedCertificate } from './discovery.repository';
import { DiscoveryService } from './discovery.service';

let ca: CreatedCa;
let leafPem: string;
let sameKeyPem: string;
let otherPem: string;
beforeAll(async () => {
  ca = await createRootCa({ commonName: 'Discovery Unit Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  const keys = await generateKeyPair('ECDSA-P256');
  const sign = async (key: CryptoKey, name: string) =>
    (await signLeaf({ issuer: ca, subjectPublicKey: key, commonName: name, sans: [name], validityDays: 10 })).certificatePem;
  leafPem = await sign(keys.publicKey, 'web.example.com');
  sameKeyPem = await sign(keys.publicKey, 'web.example.com'); // a renewal that kept the key
  otherPem = await sign((await generateKeyPair('ECDSA-P256')).publicKey, 'other.example.com');
});

/** A repository in memory, keeping the rows and the unique key the table has. */
function fakeRepo() {
  const rows = new Map<string, DiscoveredRow>();
  const versions = new Map<string, { fingerprintSha256: string; certificatePem: string }[]>();
  const imported: ImportedCertificate[] = [];
  const repo = {
    rows,
    versions,
    imported,
    agentExists: async (id: string) => id === 'agent-1',
    certificateExists: async (id: string) => versions.has(id),
    versionPems: async (id: string) => versions.get(id) ?? [],
    findById: async (id: string) => rows.get(id) ?? null,
    async record(source: string, sourceId: string, finding: Finding) {
      const existing = [...rows.values()].find(
        (row) =>
          row.fingerprintSha256 === finding.identity.fingerprintSha256 &&
          row.source === source &&
          row.sourceId === sourceId &&
          row.location === finding.location,
      );
      if (existing) {
        existing.seenCount++;
        return { id: existing.id, inserted: false };
      }
      const id = `disc-${rows.size + 1}`;
      rows.set(id, {
        id,
        fingerprintSha256: finding.identity.fingerprintSha256,
        source,
        sourceId,
        location: finding.location,
        serverName: finding.serverName,
        subject: finding.identity.subject,
        issuer: finding.identity.issuer,
        sans: finding.identity.sans,
        serial: finding.identity.serialNumber,
        notBefore: finding.identity.notBefore,
        notAfter: finding.identity.notAfter,
        keyAlgorithm: finding.identity.keyType,
        keySize: finding.identity.keySize,
        isCa: finding.identity.isCa,
        selfSigned: finding.identity.selfSigned,
        certificatePem: finding.certificatePem,
        status: 'unmanaged',
        managedCertificateId: null,
        dismissReason: null,
        firstSeenAt: new Date(),
        lastSeenAt: new Date(),
        seenCount: 1,
      });
      return { id, inserted: true };
    },
    async markManaged(id: string, certificateId: string) {
      Object.assign(rows.get(id)!, { status: 'managed', managedCertificateId: certificateId });
      return rows.get(id)!;
    },
    async markDismissed(id: string, reason: string | null) {
      Object.assign(rows.get(id)!, { status: 'dismissed', dismissReason: reason });
      return rows.get(id)!;
    },
    async importCertificate(id: string, what: ImportedCertificate) {
      imported.push(what);
      return repo.markManaged(id, what.certificate.id);
    },
  };
  return repo;
}

const config = {
  CERTCTL_DISCOVERY_IMPORT_ISSUER_ID: 'iss-local',
  CERTCTL_DISCOVERY_IMPORT_OWNER_ID: 'o-alice',
  CERTCTL_DISCOVERY_IMPORT_TEAM_ID: 't-platform',
  CERTCTL_DISCOVERY_IMPORT_RENEWAL_POLICY_ID: 'rp-standard',
} as InventoryConfig;
const actor = { principal: 'admin', role: 'admin' };

function setup() {
  const repo = fakeRepo();
  const events: { subject: string; payload: unknown }[] = [];
  const rpc = { emit: async (event: { subject: string }, payload: unknown) => void events.push({ subject: event.subject, payload }) };
  const discovery = new DiscoveryService(repo as unknown as DiscoveryRepository, rpc as never);
  const triage = new DiscoveryTriageService(repo as unknown as DiscoveryRepository, discovery, rpc as never, config);
  return { repo, events, discovery, triage };
}

const report = (certificates: { path: string; certificate_pem: string }[]) => ({
  scanned_at: new Date().toISOString(),
  directories: ['/etc/ssl'],
  certificates: certificates.map((entry) => ({ ...entry, format: 'pem' as const })),
  errors: [],
});

describe('discovery reports', () => {
  it('ok/stores each parsable certificate once, answers the garbage back, and a repeat creates nothing', async () => {
    const { repo, events, discovery } = setup();
    const body = report([
      { path: '/etc/ssl/chain.pem', certificate_pem: leafPem },
      { path: '/etc/ssl/chain.pem', certificate_pem: ca.certificatePem },
      { path: '/etc/ssl/junk.pem', certificate_pem: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n' },
      { path: '/etc/ssl/text.pem', certificate_pem: 'hello' },
    ]);
    const first = await discovery.report('agent-1', body);
    expect({ received: first.received, new: first.new }).toEqual({ received: 2, new: 2 });
    expect(first.rejected.map((entry) => [entry.index, entry.path])).toEqual([
      [2, '/etc/ssl/junk.pem'],
      [3, '/etc/ssl/text.pem'],
    ]);
    expect([...repo.rows.values()].map((row) => [row.location, row.isCa, row.selfSigned])).toEqual([
      ['/etc/ssl/chain.pem', false, false],
      ['/etc/ssl/chain.pem', true, true],
    ]);
    expect(events.map((event) => event.subject)).toEqual(['certctl.v1.events.discovery.found', 'certctl.v1.events.discovery.found']);

    const again = await discovery.report('agent-1', body);
    expect({ received: again.received, new: again.new }).toEqual({ received: 2, new: 0 });
    expect([...repo.rows.values()].map((row) => row.seenCount)).toEqual([2, 2]);
    expect(events).toHaveLength(2);
  });

  it('rejects/a report for an agent that does not exist', async () => {
    await expect(setup().discovery.report('agent-x', report([]))).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('claim and dismiss', () => {
  async function found(pem = leafPem) {
    const env = setup();
    await env.discovery.report('agent-1', report([{ path: '/srv/tls/site.pem', certificate_pem: pem }]));
    return { ...env, id: [...env.repo.rows.keys()][0]! };
  }

  it('ok/links to a managed certificate whose version has the same fingerprint, or the same public key', async () => {
    const { repo, triage, id, events } = await found();
    repo.versions.set('cert-renewed', [{ fingerprintSha256: 'f'.repeat(64), certificatePem: sameKeyPem }]);
    const out = await triage.claim(actor, id, { certificate_id: 'cert-renewed' });
    expect(out).toMatchObject({
      certificate_id: 'cert-renewed',
      discovered: { status: 'managed', managed_certificate_id: 'cert-renewed' },
    });
    expect(events.at(-1)).toMatchObject({ subject: 'certctl.v1.events.discovery.claimed', payload: { actor: 'admin' } });
    await expect(triage.claim(actor, id, { certificate_id: 'cert-renewed' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('rejects/a link to a certificate with no matching version, or one that does not exist (422 naming certificate_id)', async () => {
    const { repo, triage, id } = await found();
    repo.versions.set('cert-other', [{ fingerprintSha256: 'a'.repeat(64), certificatePem: otherPem }]);
    await expect(triage.claim(actor, id, { certificate_id: 'cert-other' })).rejects.toMatchObject({
      code: 'validation_failed',
      fields: [{ field: 'certificate_id', message: expect.stringContaining('fingerprint or public key') }],
    });
    await expect(triage.claim(actor, id, { certificate_id: 'cert-missing' })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(repo.rows.get(id)!.status).toBe('unmanaged');
  });

  it('ok/imports as a new managed certificate with the defaults, its one version being the discovered certificate', async () => {
    const { repo, triage, id } = await found();
    const out = await triage.claim(actor, id, { import: { team_id: 't-web' } });
    const made = repo.imported[0]!;
    expect(made.certificate).toMatchObject({
      commonName: 'web.example.com',
      sans: ['web.example.com'],
      status: 'active',
      issuerId: 'iss-local',
      ownerId: 'o-alice',
      teamId: 't-web',
      renewalPolicyId: 'rp-standard',
      source: 'discovery',
      name: expect.stringMatching(/^discovered-web\.example\.com-[0-9a-f]{8}$/),
    });
    expect(made.version).toMatchObject({
      certificateId: made.certificate.id,
      certificatePem: leafPem,
      fingerprintSha256: repo.rows.get(id)!.fingerprintSha256,
    });
    expect(out.certificate_id).toBe(made.certificate.id);
  });

  it('ok/dismisses with a reason; rejects/dismissing a managed one', async () => {
    const { repo, triage, id, events } = await found();
    expect(await triage.dismiss(actor, id, 'test fixture')).toMatchObject({ status: 'dismissed', dismiss_reason: 'test fixture' });
    expect(events.at(-1)?.subject).toBe('certctl.v1.events.discovery.dismissed');
    repo.rows.get(id)!.status = 'managed';
    await expect(triage.dismiss(actor, id, undefined)).rejects.toMatchObject({ code: 'conflict' });
  });
});
