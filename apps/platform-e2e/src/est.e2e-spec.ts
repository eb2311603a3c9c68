import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readState } from './e2e-env';
import * as asn1js from 'asn1js';
import { clientCa, csrAskingEncryption, curlEst, keygenRecipient, multipartParts, newCsr, printCerts, run, scratch } from './est-support';
import { api, auditRows, expectProblem } from './http';

// EST (RFC 7030) with the clients of its examples: curl for HTTP, openssl for keys, CSRs and PKCS#7.
const runId = randomBytes(3).toString('hex');
const password = `est-e2e-${randomBytes(12).toString('hex')}`;
const placement = { issuer_id: 'iss-local', owner_id: 'o-alice', team_id: 't-platform', renewal_policy_id: 'rp-standard' };
const dir = scratch();
const basicLabel = `e2e-basic-${runId}`;
const lockLabel = `e2e-lock-${runId}`;
const certLabel = `e2e-cert-${runId}`;
const strictLabel = `e2e-strict-${runId}`;
const keygenLabel = `e2e-keygen-${runId}`;
const basicAuth = ['-u', `device:${password}`];
const pkcs10 = ['-H', 'Content-Type: application/pkcs10'];
let cacertsFile: string;
let basicId: string;
let viewerKey: string;
let dev1Id: string;

async function createEst(label: string, settings: Record<string, unknown>, profileId = 'prof-standard-tls') {
  const r = await api('POST', '/api/v1/enrollment-profiles', {
    body: { protocol: 'est', label, profile_id: profileId, ...placement, settings },
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const enroll = (label: string, csrB64: string, extra: string[] = basicAuth, op = 'simpleenroll') =>
  curlEst(dir, `/${label}/${op}`, [...pkcs10, '--data-binary', `@${csrB64}`, ...extra]);

beforeAll(async () => {
  basicId = await createEst(basicLabel, { auth: 'basic', password, allow_server_keygen: true });
  await createEst(lockLabel, { auth: 'basic', password });
  const strict = await api('POST', '/api/v1/profiles', {
    body: {
      name: `est-strict-${runId}`,
      allowed_key_algorithms: [{ algorithm: 'ECDSA', min_size: 256 }],
      san_rules: { dns_suffixes: ['devices.test'] },
    },
  });
  expect(strict.status).toBe(201);
  await createEst(strictLabel, { auth: 'basic', password }, strict.body.id);
  const viewer = await api('POST', '/api/v1/api-keys', { body: { name: `est-viewer-${runId}`, role: 'viewer' } });
  viewerKey = viewer.body.key;
});

describe('EST over curl and openssl (RFC 7030)', () => {
  it('ok/cacerts is a certs-only PKCS#7 (base64) that openssl pkcs7 -print_certs reads', async () => {
    const r = await curlEst(dir, `/${basicLabel}/cacerts`);
    expect(r.status).toBe(200);
    expect(r.headers).toContain('content-type: application/pkcs7-mime; smime-type=certs-only');
    expect(r.headers).toContain('content-transfer-encoding: base64');
    const printed = await printCerts(dir, 'cacerts', r.body);
    expect(printed.pem).toContain('-----BEGIN CERTIFICATE-----');
    cacertsFile = printed.file;
  });

  it('ok/simpleenroll with Basic auth issues a certificate that openssl verify accepts against cacerts; audited and counted', async () => {
    const csr = await newCsr(dir, 'dev1', '/CN=dev1.est.test');
    const r = await enroll(basicLabel, csr.b64);
    expect(r.status).toBe(200);
    expect(r.headers).toContain('content-type: application/pkcs7-mime; smime-type=certs-only');
    const leaf = await printCerts(dir, 'dev1-cert', r.body);
    const verify = await run('openssl', ['verify', '-CAfile', cacertsFile, leaf.file]);
    expect(verify.out).toContain(': OK');
    writeFileSync(join(dir, 'dev1.crt'), leaf.pem);
    const list = await api('GET', `/api/v1/certificates?limit=500&q=est-${basicLabel}`);
    const mine = ((list.body.data ?? []) as { id: string; common_name: string; tags: Record<string, string>; source: string }[]).find(
      (c) => c.tags.enrollment_profile === basicLabel && c.common_name === 'dev1.est.test',
    );
    expect(mine).toMatchObject({ source: 'est', tags: { enrollment_profile: basicLabel } });
    dev1Id = mine!.id;
    const rows = await auditRows('est.enroll', dev1Id);
    expect(rows[0]).toMatchObject({ actor: `est:${basicLabel}:127.0.0.1`, status: 200 });
    const metrics = await (await fetch(`http://127.0.0.1:${readState().env.CERTCTL_GATEWAY_METRICS_PORT}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`certctl_enrollments_total\\{protocol="est",profile="${basicLabel}",outcome="issued"[^}]*\\} [1-9]`),
    );
  });

  it('ok/simplereenroll over HTTPS authenticated by the current certificate renews it (same managed certificate)', async () => {
    const csr = await newCsr(dir, 'dev1-re', '/CN=dev1.est.test');
    const tlsClient = ['--cert', join(dir, 'dev1.crt'), '--key', join(dir, 'dev1.key')];
    const r = await curlEst(dir, `/${basicLabel}/simplereenroll`, [...pkcs10, '--data-binary', `@${csr.b64}`, ...tlsClient], true);
    expect(r.status).toBe(200);
    const renewed = await printCerts(dir, 'dev1-renewed', r.body);
    expect((await run('openssl', ['verify', '-CAfile', cacertsFile, renewed.file])).out).toContain(': OK');
    expect(renewed.pem).not.toBe(readFileSync(join(dir, 'dev1.crt'), 'utf8'));
    // A new version of the same managed certificate, audited with the certificate's name as the actor.
    expect((await auditRows('est.reenroll', dev1Id))[0]).toMatchObject({ actor: `est:${basicLabel}:dev1.est.test`, status: 200 });
    // A CSR with another subject is refused; without a client certificate it is a 401.
    const other = await newCsr(dir, 'dev1-other', '/CN=someone-else.est.test');
    const wrongSubject = await curlEst(
      dir,
      `/${basicLabel}/simplereenroll`,
      [...pkcs10, '--data-binary', `@${other.b64}`, '--cert', renewed.file, '--key', csr.key],
      true,
    );
    expect(wrongSubject.status).toBe(400);
    const anonymous = await curlEst(dir, `/${basicLabel}/simplereenroll`, [...pkcs10, '--data-binary', `@${csr.b64}`], true);
    expect(anonymous.status).toBe(401);
    // The replaced certificate no longer authenticates a re-enrollment.
    const stale = await curlEst(dir, `/${basicLabel}/simplereenroll`, [...pkcs10, '--data-binary', `@${csr.b64}`, ...tlsClient], true);
    expect(stale.status).toBe(403);
  });

  it('ok/serverkeygen answers multipart/mixed with a PKCS#8 key and the certificate of that key', async () => {
    const csr = await newCsr(dir, 'keygen', '/CN=keygen.est.test');
    const r = await enroll(basicLabel, csr.b64, basicAuth, 'serverkeygen');
    expect(r.status).toBe(200);
    const parts = multipartParts(r.headers, r.body);
    expect(parts.map((p) => p.type)).toEqual(['application/pkcs8', 'application/pkcs7-mime; smime-type=certs-only']);
    writeFileSync(join(dir, 'gen.key.der'), parts[0].der);
    const cert = await printCerts(dir, 'gen-cert', Buffer.from(parts[1].der.toString('base64')));
    const keyPub = await run('openssl', ['pkey', '-inform', 'DER', '-in', join(dir, 'gen.key.der'), '-pubout']);
    const certPub = await run('openssl', ['x509', '-in', cert.file, '-noout', '-pubkey']);
    expect(keyPub.out).toContain('PUBLIC KEY');
    expect(keyPub.out).toBe(certPub.out);
  });

  it('ok/serverkeygen with AsymmetricDecryptKeyIdentifier naming a recipient of the profile: the key signed and enveloped for it (RFC 7030 §4.4.2), opened by openssl cms', async () => {
    const recipient = await keygenRecipient(dir, 'fleet-recipient', `fleet-key-${runId}`);
    const keygenId = await createEst(keygenLabel, {
      auth: 'basic',
      password,
      allow_server_keygen: true,
      serverkeygen_recipients_pem: recipient.pem,
    });
    expect((await api('GET', `/api/v1/enrollment-profiles/${keygenId}`)).body.settings.serverkeygen_recipients_pem).toBe(recipient.pem);
    const csr = await csrAskingEncryption(dir, 'keygen-encrypted', 'keygen-encrypted.est.test', `fleet-key-${runId}`);
    const r = await enroll(keygenLabel, csr.b64, basicAuth, 'serverkeygen');
    expect(r.status).toBe(200);
    const parts = multipartParts(r.headers, r.body);
    expect(parts.map((p) => p.type)).toEqual([
      'application/pkcs7-mime; smime-type=server-generated-key',
      'application/pkcs7-mime; smime-type=certs-only',
    ]);
    const file = (name: string) => join(dir, `enc-${name}`);
    writeFileSync(file('key.p7m'), parts[0].der);
    const decrypted = await run('openssl', [
      'cms',
      '-decrypt',
      '-inform',
      'DER',
      '-in',
      file('key.p7m'),
      '-recip',
      recipient.cert,
      '-inkey',
      recipient.key,
      '-binary',
      '-out',
      file('signed.der'),
    ]);
    expect(decrypted.err).toBe('');
    // The enveloped content is a SignedData (content type id-signedData); openssl cms reads it inside a ContentInfo.
    const signed = asn1js.fromBER(new Uint8Array(readFileSync(file('signed.der')))).result;
    const info = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.2' }),
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [signed] }),
      ],
    });
    writeFileSync(file('signed.p7'), Buffer.from(info.toBER()));
    const cacerts = await printCerts(dir, 'keygen-cacerts', (await curlEst(dir, `/${keygenLabel}/cacerts`)).body);
    const verified = await run('openssl', [
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-in',
      file('signed.p7'),
      '-CAfile',
      cacerts.file,
      '-purpose',
      'any',
      '-binary',
      '-out',
      file('akp.der'),
    ]);
    expect(verified.err).toContain('Verification successful');
    // An RFC 5958 AsymmetricKeyPackage: a SEQUENCE of one OneAsymmetricKey, the PKCS#8 key.
    const keyPackage = asn1js.fromBER(new Uint8Array(readFileSync(file('akp.der')))).result as asn1js.Sequence;
    expect(keyPackage.valueBlock.value).toHaveLength(1);
    writeFileSync(file('key.der'), Buffer.from(keyPackage.valueBlock.value[0].toBER()));
    const cert = await printCerts(dir, 'enc-cert', Buffer.from(parts[1].der.toString('base64')));
    const keyPub = await run('openssl', ['pkey', '-inform', 'DER', '-in', file('key.der'), '-pubout']);
    const certPub = await run('openssl', ['x509', '-in', cert.file, '-noout', '-pubkey']);
    expect(keyPub.out).toContain('PUBLIC KEY');
    expect(keyPub.out).toBe(certPub.out);
    const certs = await api('GET', `/api/v1/certificates?limit=500&q=keygen-encrypted.est.test`);
    const issued = (certs.body.data as { id: string; common_name: string }[]).find((c) => c.common_name === 'keygen-encrypted.est.test');
    const rows = await auditRows('est.serverkeygen', issued!.id);
    expect(rows[0]).toMatchObject({ status: 200, details: { key_encrypted_for: recipient.ski } });
  });

  it('err/serverkeygen: an AsymmetricDecryptKeyIdentifier none of the profile’s recipients has is a 400 naming it; bad recipients are a 422', async () => {
    const csr = await csrAskingEncryption(dir, 'keygen-unknown', 'keygen-unknown.est.test', 'recipient-key-1');
    const r = await enroll(keygenLabel, csr.b64, basicAuth, 'serverkeygen');
    expect(r.status).toBe(400);
    expect(r.headers).toContain('content-type: application/problem+json');
    const problem = JSON.parse(r.body.toString('utf8')) as { detail: string };
    expect(problem.detail).toContain(
      `AsymmetricDecryptKeyIdentifier ${Buffer.from('recipient-key-1').toString('hex')} ("recipient-key-1")`,
    );
    const noRecipients = await enroll(basicLabel, csr.b64, basicAuth, 'serverkeygen');
    expect(noRecipients.status).toBe(400);
    const profile = (await api('GET', `/api/v1/enrollment-profiles?protocol=est&limit=500`)).body.data as { id: string; label: string }[];
    const keygenId = profile.find((p) => p.label === keygenLabel)!.id;
    const signingOnly = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'signing-only.key'),
      '-subj',
      '/CN=signing only',
      '-days',
      '2',
      '-addext',
      'keyUsage=critical,digitalSignature',
    ]);
    const bad = await api('PATCH', `/api/v1/enrollment-profiles/${keygenId}`, {
      body: { settings: { password: '****', serverkeygen_recipients_pem: signingOnly.out } },
    });
    expectProblem(bad, 422);
    expect(JSON.stringify(bad.body)).toContain('settings.serverkeygen_recipients_pem');
    expect(JSON.stringify(bad.body)).toContain('without keyAgreement');
  });

  it('ok/csrattrs names the profile’s key (EC P-256) as DER base64', async () => {
    const r = await curlEst(dir, `/${basicLabel}/csrattrs`);
    expect(r.status).toBe(200);
    expect(r.headers).toContain('content-type: application/csrattrs');
    writeFileSync(join(dir, 'attrs.der'), Buffer.from(r.body.toString('latin1'), 'base64'));
    expect((await run('openssl', ['asn1parse', '-inform', 'DER', '-in', join(dir, 'attrs.der')])).out).toContain('prime256v1');
  });

  it('fail/a wrong password is a 401 with the Basic challenge; repeated failures lock the address out (429) even with the right one', async () => {
    const csr = await newCsr(dir, 'lock', '/CN=lock.est.test');
    const wrong = await enroll(lockLabel, csr.b64, ['-u', 'device:not-the-password-at-all']);
    expect(wrong.status).toBe(401);
    expect(wrong.headers).toContain(`www-authenticate: basic realm="certctl est ${lockLabel}"`);
    for (let i = 0; i < 4; i++) expect((await enroll(lockLabel, csr.b64, ['-u', 'device:still-wrong-password'])).status).toBe(401);
    const locked = await enroll(lockLabel, csr.b64);
    expect(locked.status).toBe(429);
    expect(locked.headers).toMatch(/retry-after: \d+/);
  });

  it('fail/a CSR breaking the certificate profile (names, key) is a 400 problem', async () => {
    const outside = await newCsr(dir, 'outside', '/CN=printer.elsewhere.test');
    const names = await enroll(strictLabel, outside.b64);
    expect(names.status).toBe(400);
    expect(JSON.parse(names.body.toString()).detail).toMatch(/names|devices\.test/);
    const rsa = await newCsr(dir, 'rsa', '/CN=printer.devices.test', ['-newkey', 'rsa:2048']);
    const key = await enroll(strictLabel, rsa.b64);
    expect(key.status).toBe(400);
  });

  it('fail/client-certificate profiles: a certificate of the trust bundle enrolls, another CA’s is 403, none is 401', async () => {
    const trusted = await clientCa(dir, `trusted-${runId}`);
    const stranger = await clientCa(dir, `stranger-${runId}`);
    await createEst(certLabel, { auth: 'client_cert', client_cert_trust_pem: readFileSync(trusted.ca.cert, 'utf8') });
    const csr = await newCsr(dir, 'cc', '/CN=cc.est.test');
    const body = [...pkcs10, '--data-binary', `@${csr.b64}`];
    const ok = await curlEst(
      dir,
      `/${certLabel}/simpleenroll`,
      [...body, '--cert', trusted.client.cert, '--key', trusted.client.key],
      true,
    );
    expect(ok.status).toBe(200);
    const refused = await curlEst(
      dir,
      `/${certLabel}/simpleenroll`,
      [...body, '--cert', stranger.client.cert, '--key', stranger.client.key],
      true,
    );
    expect(refused.status).toBe(403);
    expect((await curlEst(dir, `/${certLabel}/simpleenroll`, body, true)).status).toBe(401);
  });

  it('fail/hostile bodies (truncated, random bytes, wrong content type, 2 MB, unknown profile) never get a 5xx', async () => {
    const csr = await newCsr(dir, 'hostile', '/CN=hostile.est.test');
    const full = readFileSync(csr.b64, 'utf8');
    writeFileSync(join(dir, 'truncated.b64'), full.slice(0, Math.floor(full.length / 2)));
    writeFileSync(join(dir, 'random.bin'), randomBytes(4096));
    writeFileSync(join(dir, 'huge.b64'), 'A'.repeat(2 * 1024 * 1024));
    const cases = [
      { file: 'truncated.b64', headers: pkcs10, want: 400 },
      { file: 'random.bin', headers: pkcs10, want: 400 },
      { file: csr.b64, headers: ['-H', 'Content-Type: application/json'], want: 415 },
      { file: 'huge.b64', headers: pkcs10, want: 413 },
    ];
    for (const c of cases) {
      const r = await curlEst(dir, `/${basicLabel}/simpleenroll`, [
        ...c.headers,
        '--data-binary',
        `@${c.file.startsWith('/') ? c.file : join(dir, c.file)}`,
        ...basicAuth,
      ]);
      expect({ file: c.file, status: r.status }).toEqual({ file: c.file, status: c.want });
    }
    expect((await curlEst(dir, `/no-such-profile-${runId}/cacerts`)).status).toBe(404);
    expect((await curlEst(dir, `/${basicLabel}/fullcmc`)).status).toBe(404);
  });
});

describe('enrollment profiles (admin API)', () => {
  it('ok/secrets are masked on read, kept when sent back masked, and every change is audited', async () => {
    const got = await api('GET', `/api/v1/enrollment-profiles/${basicId}`);
    expect(got.status).toBe(200);
    expect(got.body.settings).toEqual({ auth: 'basic', password: '****', allow_server_keygen: true, tls_exporter_binding: false });
    expect(JSON.stringify(got.body)).not.toContain(password);
    const patched = await api('PATCH', `/api/v1/enrollment-profiles/${basicId}`, {
      body: { settings: { password: '****', allow_server_keygen: false } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toMatchObject({ password: '****', allow_server_keygen: false });
    const csr = await newCsr(dir, 'after-patch', '/CN=after-patch.est.test');
    expect((await enroll(basicLabel, csr.b64)).status).toBe(200); // the password survived
    const list = await api('GET', '/api/v1/enrollment-profiles?protocol=est&limit=500');
    expect((list.body.data as { id: string }[]).some((p) => p.id === basicId)).toBe(true);
    expect(
      ((await api('GET', '/api/v1/enrollment-profiles?protocol=scep&limit=500')).body.data as { id: string }[]).some(
        (p) => p.id === basicId,
      ),
    ).toBe(false);
    expect((await auditRows('enrollment_profile.create', basicId))[0]).toMatchObject({ actor: 'bootstrap-admin', status: 201 });
    expect((await auditRows('enrollment_profile.update', basicId))[0]).toMatchObject({ status: 200 });
  });

  it('fail/bad input is a 422 naming the field; a viewer is refused (403); delete is audited and the profile is gone', async () => {
    const short = await api('POST', '/api/v1/enrollment-profiles', {
      body: { protocol: 'est', label: `short-${runId}`, profile_id: 'prof-standard-tls', ...placement, settings: { password: 'short' } },
    });
    expectProblem(short, 422);
    const noIssuer = await api('POST', '/api/v1/enrollment-profiles', {
      body: {
        protocol: 'est',
        label: `noiss-${runId}`,
        profile_id: 'prof-standard-tls',
        ...placement,
        issuer_id: 'iss-nope',
        settings: { password },
      },
    });
    expectProblem(noIssuer, 422);
    const duplicate = await api('POST', '/api/v1/enrollment-profiles', {
      body: { protocol: 'est', label: basicLabel, profile_id: 'prof-standard-tls', ...placement, settings: { password } },
    });
    expectProblem(duplicate, 409);
    expectProblem(await api('GET', `/api/v1/enrollment-profiles/${basicId}`, { key: viewerKey }), 403);
    expectProblem(await api('DELETE', `/api/v1/enrollment-profiles/${basicId}`, { key: viewerKey }), 403);
    const id = await createEst(`doomed-${runId}`, { password });
    expect((await api('DELETE', `/api/v1/enrollment-profiles/${id}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/v1/enrollment-profiles/${id}`), 404);
    expect((await auditRows('enrollment_profile.delete', id))[0]).toMatchObject({ actor: 'bootstrap-admin', status: 204 });
  });
});
