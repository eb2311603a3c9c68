import { api, validCertificate, expectProblem } from './http';

describe('bad input gets a typed problem, never a 500', () => {
  it('fail/malformed JSON → 400', async () => {
    const r = await api('POST', '/api/v1/certificates', { raw: '{"name": "x",' });
    expectProblem(r, 400);
    expect(r.body.detail).toMatch(/not valid JSON/);
  });

  it('fail/a JSON array instead of an object → 422', async () => {
    expectProblem(await api('POST', '/api/v1/certificates', { raw: '[1,2]' }), 422);
  });

  it('fail/wrong types name each field', async () => {
    const r = await api('POST', '/api/v1/certificates', { body: { ...validCertificate('types'), sans: 'not-a-list', common_name: 42 } });
    expectProblem(r, 422);
    const fields = r.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['sans', 'common_name']));
  });

  it('fail/missing required fields are each named', async () => {
    const r = await api('POST', '/api/v1/certificates', { body: { name: 'only-a-name' } });
    expectProblem(r, 422);
    const fields = r.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['common_name', 'issuer_id', 'owner_id', 'team_id', 'renewal_policy_id']));
  });

  it('fail/unknown fields are refused', async () => {
    const r = await api('POST', '/api/v1/certificates', { body: { ...validCertificate('unknown-field'), colour: 'blue' } });
    expectProblem(r, 422);
    expect(JSON.stringify(r.body.errors)).toContain('colour');
  });

  it('fail/unknown issuer, owner and team ids → 422 naming each', async () => {
    const r = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate('unknown-refs'), issuer_id: 'iss-nope', owner_id: 'o-nope', team_id: 't-nope' },
    });
    expectProblem(r, 422);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['issuer_id', 'owner_id', 'team_id']);
  });

  it('fail/bad names: control characters, invalid DNS names', async () => {
    const r = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate('ctl'), name: 'evil\u0007name', sans: ['bad..example.com', '-x.example.com'] },
    });
    expectProblem(r, 422);
    const fields = r.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'sans.0', 'sans.1']));
  });

  it('fail/homoglyph IDNs (mixed-script or undecodable punycode) are refused, naming the field', async () => {
    const r = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate('idn'), sans: ['www.example.com', 'xn--pple-43d.com', 'ops@xn--ggle-55da.com'] },
    });
    expectProblem(r, 422);
    const fields = r.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(['sans.1', 'sans.2']);
  });

  it('fail/a NUL anywhere is refused at the edge, naming the field', async () => {
    const r = await api('POST', '/api/v1/certificates', { body: { ...validCertificate('nul'), name: 'evil\u0000name' } });
    expectProblem(r, 422);
    expect(r.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/NUL/) }]);
  });

  it('fail/a duplicate name → 409', async () => {
    const body = validCertificate(`dup-${Date.now()}`);
    expect((await api('POST', '/api/v1/certificates', { body })).status).toBe(201);
    expectProblem(await api('POST', '/api/v1/certificates', { body }), 409);
  });

  it('fail/an oversized body → 413', async () => {
    const r = await api('POST', '/api/v1/certificates', {
      raw: JSON.stringify({ ...validCertificate('big'), environment: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expectProblem(r, 413);
  });

  it('fail/no key → 401 with WWW-Authenticate; unknown key → 401', async () => {
    const none = await api('GET', '/api/v1/certificates', { key: null });
    expectProblem(none, 401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectProblem(await api('GET', '/api/v1/certificates', { key: 'cck_this-key-does-not-exist-anywhere' }), 401);
  });

  it('ok/X-API-Key is accepted like a bearer token', async () => {
    const { readState } = await import('./e2e-env');
    const r = await api('GET', '/api/v1/certificates?limit=1', { key: null, headers: { 'x-api-key': readState().adminKey } });
    expect(r.status).toBe(200);
  });

  it('fail/unknown certificate → 404; unknown route → 404; bad query → 422', async () => {
    expectProblem(await api('GET', '/api/v1/certificates/cert-does-not-exist'), 404);
    expectProblem(await api('GET', '/api/v1/nothing-here'), 404);
    expectProblem(await api('GET', '/api/v1/certificates?limit=100000'), 422);
    expectProblem(await api('GET', '/api/v1/certificates?cursor=%00%01'), 422);
  });

  it('ok/an X-Request-ID sent by the client is echoed; a hostile one is replaced', async () => {
    const mine = await api('GET', '/api/v1/version', { headers: { 'x-request-id': 'client-req-123' } });
    expect(mine.headers.get('x-request-id')).toBe('client-req-123');
    const hostile = await api('GET', '/api/v1/version', { headers: { 'x-request-id': 'a b<script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
