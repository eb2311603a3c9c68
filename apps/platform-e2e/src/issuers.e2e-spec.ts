import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, validCertificate, waitFor, expectProblem } from './http';

const run = Date.now().toString(36);

describe('local CA hierarchy', () => {
  it('root → intermediate → issuing CA; a leaf from the issuing CA verifies with openssl against the root; retirement respects children', async () => {
    const root = await api('POST', '/api/v1/issuers', {
      body: { id: `iss-root-${run}`, name: `Root ${run}`, type: 'local', key_algorithm: 'ECDSA-P384', path_length: 2 },
    });
    expect(root.status).toBe(201);
    const mid = await api('POST', '/api/v1/issuers', {
      body: { id: `iss-mid-${run}`, name: `Mid ${run}`, type: 'local', parent_id: root.body.id, path_length: 1, validity_days: 1825 },
    });
    expect(mid.status).toBe(201);
    const leafCa = await api('POST', '/api/v1/issuers', {
      body: {
        id: `iss-leaf-${run}`,
        name: `Issuing ${run}`,
        type: 'local',
        parent_id: mid.body.id,
        path_length: 0,
        key_algorithm: 'RSA-2048',
      },
    });
    expect(leafCa.status).toBe(201);
    expect(leafCa.body.parent_id).toBe(mid.body.id);
    const tooDeep = await api('POST', '/api/v1/issuers', { body: { name: `Too deep ${run}`, type: 'local', parent_id: leafCa.body.id } });
    expectProblem(tooDeep, 422);

    const tree = await api('GET', `/api/v1/issuers/${root.body.id}/hierarchy`);
    expect(tree.body).toMatchObject({
      id: root.body.id,
      children: [{ id: mid.body.id, children: [{ id: leafCa.body.id, children: [] }] }],
    });

    const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`chain-${run}`), issuer_id: leafCa.body.id } });
    expect(cert.status).toBe(201);
    const issued = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${cert.body.id}`);
        return c.body.status === 'active' ? c.body : undefined;
      },
      30000,
      'a certificate from the issuing CA',
    );
    const dir = mkdtempSync(join(tmpdir(), 'certctl-chain-'));
    writeFileSync(join(dir, 'root.pem'), root.body.ca_certificate_pem);
    writeFileSync(join(dir, 'chain.pem'), issued.chain_pem);
    writeFileSync(join(dir, 'leaf.pem'), issued.certificate_pem);
    const out = execFileSync(
      'openssl',
      ['verify', '-x509_strict', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')],
      {
        encoding: 'utf8',
      },
    );
    expect(out.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    // The chain holds the issuing CA and the intermediate, not the root.
    expect(issued.chain_pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    expectProblem(await api('POST', `/api/v1/issuers/${mid.body.id}/retire`), 409);
    expect((await api('POST', `/api/v1/issuers/${leafCa.body.id}/retire`)).body.enabled).toBe(false);
    expect((await api('POST', `/api/v1/issuers/${mid.body.id}/retire`)).body.enabled).toBe(false);
    expectProblem(
      await api('POST', '/api/v1/issuers', { body: { name: `Under retired ${run}`, type: 'local', parent_id: mid.body.id } }),
      409,
    );
    expectProblem(await api('POST', '/api/v1/issuers', { key: null, body: { name: 'x', type: 'local' } }), 401);
  });
});
