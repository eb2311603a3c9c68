// zlint and pkilint over what the running stack hands out: the gateway's own certificate, the
// seeded local root, a root → intermediate → issuing CA hierarchy and a leaf for every key
// algorithm, TLS client, S/MIME and short-lived leaves, ACME-issued leaves (lego, EC and RSA),
// the delegated OCSP responder, and the revocation service's CRL and OCSP answers.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import * as x509 from '@peculiar/x509';
import { KEY_ALGORITHMS, pemToDer, splitPemChain } from '@certctl/pki';
import { ACCEPTED, ensureLintTools, formatFindings, isAccepted, lintAll, rfcErrors, type Finding } from './linters';
import type { LintSubject } from './pki-corpus';
import { acmeClientEnv, directoryUrl } from '../../apps/platform-e2e/src/acme-support';
import { gatewayUrl, readState } from '../../apps/platform-e2e/src/e2e-env';
import { api, validCertificate, waitFor } from '../../apps/platform-e2e/src/http';

const execFileAsync = promisify(execFile);
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-conformance-'));
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const der = (pem: string) => Buffer.from(pemToDer(pem));
const MIN_SIZE: Record<string, { algorithm: string; min_size: number }> = {
  'ECDSA-P256': { algorithm: 'ECDSA', min_size: 256 },
  'ECDSA-P384': { algorithm: 'ECDSA', min_size: 384 },
  'RSA-2048': { algorithm: 'RSA', min_size: 2048 },
  'RSA-3072': { algorithm: 'RSA', min_size: 3072 },
  'RSA-4096': { algorithm: 'RSA', min_size: 4096 },
  Ed25519: { algorithm: 'Ed25519', min_size: 256 },
};

/** The string fields of an API object this test reads (id, job_id, *_pem, serial_number). */
type ApiObject = Record<string, string>;

async function created(path: string, body: Record<string, unknown>): Promise<ApiObject> {
  const r = await api<ApiObject>('POST', path, { body });
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${r.text}`);
  return r.body;
}

/** Creates a certificate and returns it once its job completed (throws with the job error otherwise). */
async function issue(body: Record<string, unknown>): Promise<ApiObject> {
  const c = await created('/api/v1/certificates', { ...validCertificate(String(body.name)), ...body });
  return waitFor(
    async () => {
      const job = await api<ApiObject>('GET', `/api/v1/jobs/${c.job_id}`);
      if (job.body.status === 'failed') throw new Error(`issuing ${String(body.name)} failed: ${job.body.last_error}`);
      if (job.body.status !== 'completed') return undefined;
      return (await api<ApiObject>('GET', `/api/v1/certificates/${c.id}`)).body;
    },
    180000,
    `the job of ${String(body.name)}`,
  );
}

/** `openssl ocsp` against the revocation service: the DER response and openssl's status line. */
function ocspResponse(name: string, caPem: string, leafPem: string, issuerId: string): { der: Buffer; text: string } {
  const out = join(dir, `${name}.ocsp`);
  const r = spawnSync(
    'openssl',
    [
      'ocsp',
      '-issuer',
      file(`${name}-ca.pem`, caPem),
      '-cert',
      file(`${name}-leaf.pem`, leafPem),
      '-url',
      `${gatewayUrl()}/.well-known/pki/ocsp/${issuerId}`,
      '-respout',
      out,
      '-noverify',
    ],
    { encoding: 'utf8', timeout: 30000 },
  );
  if (r.status !== 0) throw new Error(`openssl ocsp: ${r.stdout}${r.stderr}`);
  return { der: readFileSync(out), text: `${r.stdout}${r.stderr}` };
}

/** The responder certificate a BasicOCSPResponse carries. */
function responderCertificate(response: Buffer): Buffer {
  const outer = AsnConvert.parse(response, OCSPResponse);
  const basic = AsnConvert.parse(outer.responseBytes!.response.buffer, BasicOCSPResponse);
  const cert = basic.certs?.[0];
  if (!cert) throw new Error('the OCSP response carries no responder certificate');
  return Buffer.from(AsnConvert.serialize(cert));
}

describe('conformance: the running stack under zlint and pkilint', () => {
  const subjects: LintSubject[] = [];
  const add = (name: string, kind: LintSubject['kind'], bytes: Buffer, role?: LintSubject['role']) =>
    subjects.push({ name: `stack/${name}`, kind, der: bytes, ...(role ? { role } : {}) });
  let findings: Finding[] = [];

  beforeAll(async () => {
    const tools = ensureLintTools();

    // The gateway's own HTTPS certificate (leaf first in server.crt) and the seeded local root.
    const gatewayChain = splitPemChain(readFileSync(join(readState().tls.dir, 'server.crt'), 'utf8'));
    add('gateway', 'certificate', der(gatewayChain[0]!), 'tls-server');
    const local = (await api<ApiObject>('GET', '/api/v1/issuers/iss-local')).body;
    add('local-root', 'certificate', der(local.ca_certificate_pem), 'ca');

    // Every key algorithm: root → intermediate → issuing CA through the API, and a server leaf.
    for (const alg of KEY_ALGORITHMS) {
      const tag = alg.toLowerCase();
      const root = await created('/api/v1/issuers', { type: 'local', name: `${alg} root ${run}`, key_algorithm: alg, path_length: 2 });
      const mid = await created('/api/v1/issuers', {
        type: 'local',
        name: `${alg} intermediate ${run}`,
        key_algorithm: alg,
        parent_id: root.id,
        path_length: 1,
      });
      const issuing = await created('/api/v1/issuers', {
        type: 'local',
        name: `${alg} issuing ${run}`,
        key_algorithm: alg,
        parent_id: mid.id,
        path_length: 0,
      });
      const profile = await created('/api/v1/profiles', { name: `${alg} conformance ${run}`, allowed_key_algorithms: [MIN_SIZE[alg]] });
      const leaf = await issue({ name: `${tag}-conf-${run}`, issuer_id: issuing.id, profile_id: profile.id });
      add(`${tag}/root`, 'certificate', der(root.ca_certificate_pem), 'ca');
      add(`${tag}/intermediate`, 'certificate', der(mid.ca_certificate_pem), 'ca');
      add(`${tag}/issuing-ca`, 'certificate', der(issuing.ca_certificate_pem), 'ca');
      add(`${tag}/tls-server`, 'certificate', der(leaf.certificate_pem), 'tls-server');
    }

    // Leaf kinds from the seeded local CA: TLS client (RSA, the case that once carried keyEncipherment), S/MIME, short-lived.
    const clientProfile = await created('/api/v1/profiles', {
      name: `client ${run}`,
      ekus: ['clientAuth'],
      allowed_key_algorithms: [{ algorithm: 'RSA', min_size: 2048 }],
    });
    const client = await issue({
      name: `client-conf-${run}`,
      common_name: `agent-${run}.example.com`,
      sans: [],
      profile_id: clientProfile.id,
    });
    add('rsa-2048/tls-client', 'certificate', der(client.certificate_pem), 'tls-client');
    const smimeProfile = await created('/api/v1/profiles', {
      name: `smime ${run}`,
      ekus: ['emailProtection'],
      san_rules: { allow_email: true },
      max_validity_days: 365,
    });
    const smime = await issue({
      name: `smime-conf-${run}`,
      common_name: `alice-${run}.example.com`,
      sans: ['alice@example.com'],
      profile_id: smimeProfile.id,
    });
    add('smime', 'certificate', der(smime.certificate_pem), 'smime');
    const shortProfile = await created('/api/v1/profiles', { name: `short ${run}`, short_lived: true, max_validity_days: 1 });
    const short = await issue({ name: `short-conf-${run}`, profile_id: shortProfile.id });
    add('short-lived', 'certificate', der(short.certificate_pem), 'tls-server');

    // ACME-issued leaves: lego with http-01, an EC key and an RSA key.
    for (const keyType of ['ec256', 'rsa2048']) {
      const legoDir = mkdtempSync(join(dir, `lego-${keyType}-`));
      const domain = `conformance-${keyType}.example.test`;
      await execFileAsync(
        'lego',
        [
          '--server',
          directoryUrl(),
          '--accept-tos',
          '--email',
          'conformance@example.com',
          '--domains',
          domain,
          '--key-type',
          keyType,
          '--http',
          '--http.port',
          `:${readState().acme.http01Port}`,
          '--path',
          legoDir,
          'run',
        ],
        { env: acmeClientEnv(), timeout: 120000 },
      );
      const chain = splitPemChain(readFileSync(join(legoDir, 'certificates', `${domain}.crt`), 'utf8'));
      add(`${keyType === 'ec256' ? 'ecdsa-p256' : 'rsa-2048'}/acme`, 'certificate', der(chain[0]!), 'tls-server');
    }

    // Revocation: revoke one leaf of the local CA (the seeded profile's), then its CRL and OCSP
    // answers (good and revoked) and the delegated responder's certificate.
    const good = await issue({ name: `ocsp-good-${run}`, profile_id: 'prof-standard-tls' });
    add('seeded-profile/tls-server', 'certificate', der(good.certificate_pem), 'tls-server');
    const revoked = await issue({ name: `ocsp-revoked-${run}` });
    const rv = await api('POST', `/api/v1/certificates/${revoked.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(rv.status).toBe(200);
    const caPem = local.ca_certificate_pem!;
    add('ocsp-good', 'ocsp', ocspResponse('good', caPem, good.certificate_pem, 'iss-local').der);
    const revokedAnswer = await waitFor(async () => {
      const r = ocspResponse('revoked', caPem, revoked.certificate_pem, 'iss-local');
      return /: revoked/.test(r.text) ? r.der : undefined;
    });
    add('ocsp-revoked', 'ocsp', revokedAnswer);
    add('ocsp-responder', 'certificate', responderCertificate(revokedAnswer), 'ocsp-responder');
    const crl = await waitFor(async () => {
      const res = await fetch(`${gatewayUrl()}/.well-known/pki/crl/iss-local`);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) return undefined;
      const listed = new x509.X509Crl(body).entries.some((e) => e.serialNumber.toLowerCase() === revoked.serial_number);
      return listed ? body : undefined;
    }, 60000);
    add('crl', 'crl', crl);

    findings = await lintAll(tools, subjects);
  }, 900_000);

  it('linted the gateway, every CA level and leaf per key algorithm, client, S/MIME, short-lived, ACME, OCSP responder, CRL and OCSP', () => {
    const names = subjects.map((s) => s.name);
    for (const alg of KEY_ALGORITHMS) {
      for (const kind of ['root', 'intermediate', 'issuing-ca', 'tls-server'])
        expect(names).toContain(`stack/${alg.toLowerCase()}/${kind}`);
    }
    for (const n of [
      'gateway',
      'local-root',
      'seeded-profile/tls-server',
      'rsa-2048/tls-client',
      'smime',
      'short-lived',
      'ecdsa-p256/acme',
      'rsa-2048/acme',
      'ocsp-responder',
    ])
      expect(names).toContain(`stack/${n}`);
    for (const n of ['crl', 'ocsp-good', 'ocsp-revoked']) expect(names).toContain(`stack/${n}`);
  });

  it('zlint: no error or fatal from an RFC lint on anything the stack issued', () => {
    expect(formatFindings(rfcErrors(findings))).toBe('');
  });

  it('zlint and pkilint: every warning and error is one of the accepted private-CA findings', () => {
    expect(formatFindings(findings.filter((f) => !isAccepted(f)))).toBe('');
  });

  it('the accepted entries only the stack shows still match a finding here', () => {
    const unused = ACCEPTED.filter((a) => a.stackOnly && !findings.some((f) => isAccepted(f, [a])));
    expect(unused.map((a) => `${a.tool} ${a.code}`)).toEqual([]);
  });

  it("pkilint: the revocation service's CRL and OCSP responses have no finding at all", () => {
    expect(formatFindings(findings.filter((f) => /stack\/(crl|ocsp-(good|revoked))$/.test(f.subject)))).toBe('');
  });
});
