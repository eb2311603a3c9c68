import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSSL_KEY_TEXT, OPENSSL_SUB_CA_EXT, opensslCa } from '@certctl/testing';
import { api, expectProblem, validCertificate, waitFor } from './http';

// CA hierarchy hardening: name constraints, importing an enterprise sub-CA, every key
// algorithm through three levels, S/MIME. Every chain is checked with `openssl verify`.
const run = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'certctl-ca-'));
const file = (name: string, content?: string) => {
  const path = join(dir, name);
  if (content !== undefined) writeFileSync(path, content);
  return path;
};
const openssl = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `openssl verify -x509_strict -CAfile root -untrusted chain leaf`: exit status and output. */
function verify(prefix: string, root: string, chain: string, leaf: string) {
  const r = spawnSync(
    'openssl',
    [
      'verify',
      '-x509_strict',
      '-CAfile',
      file(`${prefix}-root.pem`, root),
      '-untrusted',
      file(`${prefix}-chain.pem`, chain),
      file(`${prefix}-leaf.pem`, leaf),
    ],
    { encoding: 'utf8' },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

async function createIssuer(body: Record<string, unknown>) {
  const r = await api('POST', '/api/v1/issuers', { body: { type: 'local', ...body } });
  expect(r.status).toBe(201);
  return r.body;
}

/** Creates a certificate and waits for its job to end: the certificate when active, or the failed job. */
async function issue(body: Record<string, unknown>) {
  const created = await api('POST', '/api/v1/certificates', { body });
  expect(created.status).toBe(201);
  return waitFor(
    async () => {
      const job = await api('GET', `/api/v1/jobs/${created.body.job_id}`);
      if (job.body.status === 'failed') return { job: job.body, cert: undefined };
      if (job.body.status !== 'completed') return undefined;
      return { job: job.body, cert: (await api('GET', `/api/v1/certificates/${created.body.id}`)).body };
    },
    90000,
    `the job of ${String(body.common_name)}`,
  );
}

describe('name constraints', () => {
  it('an intermediate constrained to .corp.example refuses www.other.test (job failed, reason named) and issues a.corp.example that openssl verifies', async () => {
    const root = await createIssuer({ id: `iss-ncroot-${run}`, name: `NC root ${run}`, path_length: 2 });
    const mid = await createIssuer({
      id: `iss-ncmid-${run}`,
      name: `NC intermediate ${run}`,
      parent_id: root.id,
      path_length: 1,
      name_constraints: { permitted_dns: ['.corp.example'], permitted_ip: ['10.20.0.0/16'], excluded_dns: ['secret.corp.example'] },
    });
    expect(mid.config.name_constraints).toMatchObject({ permitted_dns: ['.corp.example'], permitted_ip: ['10.20.0.0/16'] });
    expect(openssl(['x509', '-noout', '-text', '-in', file('nc-mid.pem', mid.ca_certificate_pem)])).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:\.corp\.example\s+IP:10\.20\.0\.0\/255\.255\.0\.0\s+Excluded:\s+DNS:secret\.corp\.example/,
    );

    const base = { ...validCertificate(`nc-${run}`), issuer_id: mid.id };
    const bad = await issue({ ...base, name: `nc-bad-${run}`, common_name: 'www.other.test', sans: [] });
    expect(bad.cert).toBeUndefined();
    expect(bad.job.last_error).toMatch(
      /name constraint violated: www\.other\.test \(dNSName\) is not within the permitted subtrees "\.corp\.example" of CA "CN=NC intermediate/,
    );
    expect(bad.job.attempts).toBe(1); // not retried: a refusal is final
    const badCert = await api('GET', `/api/v1/certificates/${bad.job.certificate_id}`);
    expect(badCert.body.status).toBe('failed');

    const excluded = await issue({ ...base, name: `nc-excl-${run}`, common_name: 'x.secret.corp.example', sans: [] });
    expect(excluded.job.last_error).toMatch(/excluded subtree "secret\.corp\.example"/);
    const badIp = await issue({ ...base, name: `nc-ip-${run}`, common_name: 'b.corp.example', sans: ['10.99.0.1'] });
    expect(badIp.job.last_error).toMatch(/10\.99\.0\.1 \(iPAddress\) is not within the permitted subtrees "10\.20\.0\.0\/16"/);

    const good = await issue({ ...base, name: `nc-good-${run}`, common_name: 'a.corp.example', sans: ['10.20.1.2'] });
    expect(good.cert?.status).toBe('active');
    const v = verify('nc', root.ca_certificate_pem, good.cert.chain_pem, good.cert.certificate_pem);
    expect(v).toEqual({ status: 0, out: expect.stringMatching(/: OK$/) });

    // A CA below may narrow the constraints but not widen them.
    const badInput = await api('POST', '/api/v1/issuers', {
      body: { type: 'local', name: `NC bad ${run}`, parent_id: root.id, name_constraints: { permitted_dns: ['ok.example', 'bad name'] } },
    });
    expectProblem(badInput, 422);
    expect(badInput.body.errors).toEqual([
      { field: 'name_constraints', message: expect.stringMatching(/^permitted_dns\[1\]: "bad name" is not a DNS name/) },
    ]);
    const wider = await api('POST', '/api/v1/issuers', {
      body: { type: 'local', name: `NC wide ${run}`, parent_id: mid.id, name_constraints: { permitted_dns: ['example.org'] } },
    });
    expectProblem(wider, 422);
    expect(wider.body.errors[0]).toMatchObject({
      field: 'name_constraints',
      message: expect.stringMatching(/"example\.org" is outside the permitted subtrees/),
    });
  });
});

describe('importing an enterprise sub-CA', () => {
  const makeCa = (name: string, issuer: string | null, ext: string, key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']) =>
    opensslCa(dir, name, issuer, ext, { key, subject: `/O=Enterprise ${run}/CN=${name}`, days: issuer ? 200 : 365 });
  const read = (f: string) => readFileSync(file(f), 'utf8');

  beforeAll(() => {
    makeCa(
      'ent-root',
      null,
      'basicConstraints=critical,CA:true,pathlen:3\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash',
    );
    makeCa('ent-policy', 'ent-root', `${OPENSSL_SUB_CA_EXT}\nbasicConstraints=critical,CA:true,pathlen:2`);
    makeCa('ent-issuing', 'ent-policy', OPENSSL_SUB_CA_EXT, ['-newkey', 'rsa:2048']);
    makeCa('ent-server', 'ent-policy', 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature');
    openssl([
      'pkcs8',
      '-topk8',
      '-in',
      'ent-issuing.key',
      '-v2',
      'aes-256-cbc',
      '-passout',
      'pass:import-me',
      '-out',
      'ent-issuing-enc.key',
    ]);
  });

  it('imports a sub-CA made by openssl (encrypted PKCS#8 key), issues through it, and openssl verifies the leaf to the enterprise root', async () => {
    const imported = await api('POST', '/api/v1/issuers/import', {
      body: {
        id: `iss-ent-${run}`,
        name: `Enterprise issuing ${run}`,
        certificate_pem: read('ent-issuing.pem'),
        private_key_pem: read('ent-issuing-enc.key'),
        passphrase: 'import-me',
        chain_pem: read('ent-root.pem') + read('ent-policy.pem'),
      },
    });
    expect(imported.status).toBe(201);
    expect(imported.headers.get('location')).toBe(`/api/v1/issuers/iss-ent-${run}`);
    expect(imported.body).toMatchObject({ type: 'local', enabled: true, config: { imported: true, key_algorithm: 'RSA-2048' } });
    expect(imported.body.ca_chain_pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1); // the policy CA; the root is the trust anchor
    expect(JSON.stringify(imported.body)).not.toContain('PRIVATE KEY');

    const leaf = await issue({ ...validCertificate(`ent-${run}`), issuer_id: imported.body.id });
    expect(leaf.cert?.status).toBe('active');
    expect(leaf.cert.chain_pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2); // issuing + policy CA
    expect(verify('ent', read('ent-root.pem'), leaf.cert.chain_pem, leaf.cert.certificate_pem)).toEqual({
      status: 0,
      out: expect.stringMatching(/: OK$/),
    });

    // A local CA below the imported one chains all the way up to the enterprise root.
    const child = await createIssuer({ name: `Below enterprise ${run}`, parent_id: imported.body.id, path_length: 0 });
    expect(child.ca_chain_pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const deep = await issue({ ...validCertificate(`ent-deep-${run}`), issuer_id: child.id });
    expect(verify('ent-deep', read('ent-root.pem'), deep.cert.chain_pem, deep.cert.certificate_pem).status).toBe(0);
  });

  it.each<[string, () => Record<string, unknown>, string, RegExp]>([
    [
      'a key that does not match the certificate',
      () => ({
        certificate_pem: read('ent-issuing.pem'),
        private_key_pem: read('ent-policy.key'),
        chain_pem: read('ent-root.pem') + read('ent-policy.pem'),
      }),
      'private_key_pem',
      /does not match/,
    ],
    [
      'a broken chain (the policy CA is missing)',
      () => ({ certificate_pem: read('ent-issuing.pem'), private_key_pem: read('ent-issuing.key'), chain_pem: read('ent-root.pem') }),
      'chain_pem',
      /no certificate in chain_pem issued/,
    ],
    [
      'a certificate that is not a CA',
      () => ({
        certificate_pem: read('ent-server.pem'),
        private_key_pem: read('ent-server.key'),
        chain_pem: read('ent-root.pem') + read('ent-policy.pem'),
      }),
      'certificate_pem',
      /is not a CA/,
    ],
    [
      'an encrypted key with the wrong passphrase',
      () => ({
        certificate_pem: read('ent-issuing.pem'),
        private_key_pem: read('ent-issuing-enc.key'),
        passphrase: 'nope',
        chain_pem: read('ent-root.pem') + read('ent-policy.pem'),
      }),
      'private_key_pem',
      /wrong passphrase/,
    ],
  ])('refuses %s with a 422 naming the field', async (_name, body, field, message) => {
    const r = await api('POST', '/api/v1/issuers/import', { body: { name: `Bad import ${run} ${field} ${Math.random()}`, ...body() } });
    expectProblem(r, 422);
    expect(r.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  });
});

describe('every key algorithm through a 3-level hierarchy', () => {
  const ALGS: [keyof typeof OPENSSL_KEY_TEXT, { algorithm: string; min_size: number }][] = [
    ['ECDSA-P256', { algorithm: 'ECDSA', min_size: 256 }],
    ['ECDSA-P384', { algorithm: 'ECDSA', min_size: 384 }],
    ['RSA-2048', { algorithm: 'RSA', min_size: 2048 }],
    ['RSA-3072', { algorithm: 'RSA', min_size: 3072 }],
    ['RSA-4096', { algorithm: 'RSA', min_size: 4096 }],
    ['Ed25519', { algorithm: 'Ed25519', min_size: 256 }],
  ];

  it.each(ALGS)('%s: root → intermediate → issuing CA → leaf passes openssl verify', async (alg, rule) => {
    const slug = alg.toLowerCase();
    const root = await createIssuer({ name: `${alg} root ${run}`, key_algorithm: alg, path_length: 2 });
    const mid = await createIssuer({ name: `${alg} intermediate ${run}`, key_algorithm: alg, parent_id: root.id, path_length: 1 });
    const issuing = await createIssuer({ name: `${alg} issuing ${run}`, key_algorithm: alg, parent_id: mid.id, path_length: 0 });
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `${alg} leaves ${run}`, allowed_key_algorithms: [rule] } });
    expect(profile.status).toBe(201);
    const leaf = await issue({ ...validCertificate(`${slug}-${run}`), issuer_id: issuing.id, profile_id: profile.body.id });
    expect(leaf.cert?.status).toBe('active');
    expect(leaf.cert.chain_pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(verify(slug, root.ca_certificate_pem, leaf.cert.chain_pem, leaf.cert.certificate_pem)).toEqual({
      status: 0,
      out: expect.stringMatching(/: OK$/),
    });
    for (const pem of [root.ca_certificate_pem, issuing.ca_certificate_pem, leaf.cert.certificate_pem]) {
      expect(openssl(['x509', '-noout', '-text', '-in', file(`${slug}-show.pem`, pem)])).toMatch(OPENSSL_KEY_TEXT[alg]);
    }
  });
});

describe('S/MIME', () => {
  it('a profile with emailProtection and e-mail SANs yields a certificate with the emailProtection EKU and the rfc822Name SANs', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `S/MIME leaves ${run}`, ekus: ['emailProtection'], san_rules: { allow_email: true }, max_validity_days: 365 },
    });
    expect(profile.status).toBe(201);
    const got = await issue({
      ...validCertificate(`smime-${run}`),
      common_name: `alice.smime-${run}.example.com`,
      sans: ['alice@example.com', 'alice.smith@mail.example.com'],
      profile_id: profile.body.id,
    });
    expect(got.cert?.status).toBe('active');
    const text = openssl(['x509', '-noout', '-text', '-in', file('smime.pem', got.cert.certificate_pem)]);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+E-mail Protection\n/);
    expect(text).toMatch(/email:alice@example\.com/);
    expect(text).toMatch(/email:alice\.smith@mail\.example\.com/);
    expect(text).not.toMatch(/TLS Web Server Authentication/);
    const purpose = openssl(['x509', '-noout', '-purpose', '-in', file('smime.pem')]);
    expect(purpose).toMatch(/S\/MIME signing : Yes/);
  });
});
