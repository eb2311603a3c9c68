import { Client } from 'pg';
import { readState } from './e2e-env';
import { api, auditRows, expectProblem, validCertificate } from './http';

const run = Date.now().toString(36);
const beat = { hostname: 'web-1', os: 'linux', architecture: 'x64', version: '1.0.0', ip_addresses: [] };

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
  try {
    return (await db.query(text, values)).rows as T[];
  } finally {
    await db.end();
  }
}

function expectGone(r: Awaited<ReturnType<typeof api>>) {
  expectProblem(r, 410);
  expect(r.body).toMatchObject({ type: 'urn:certctl:error:agent_retired', code: 'agent_retired' });
}

describe('retiring an agent', () => {
  it('fails its open deployment jobs, and every agent route of it answers 410 agent_retired; a second retire is a no-op 200', async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `retiree-${run}`, hostname: 'web-1' } });
    expect(reg.status).toBe(201);
    const { agent, api_key: key } = reg.body;
    expect((await api('POST', `/api/v1/agents/${agent.id}/heartbeat`, { key, body: beat })).status).toBe(200);

    const cert = await api('POST', '/api/v1/certificates', { body: validCertificate(`retire-${run}`) });
    const insert = `INSERT INTO jobs (id, type, status, certificate_id, agent_id, updated_at) VALUES ($1, 'deployment', $2, $3, $4, now())`;
    await sql(insert, [`job-ret-pending-${run}`, 'pending', cert.body.id, agent.id]);
    await sql(insert, [`job-ret-running-${run}`, 'running', cert.body.id, agent.id]);
    await sql(insert, [`job-ret-done-${run}`, 'completed', cert.body.id, agent.id]);

    const retired = await api('POST', `/api/v1/agents/${agent.id}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ agent: { id: agent.id, status: 'retired' }, failed_jobs: 2 });
    expect(Date.parse(retired.body.agent.retired_at)).toBeGreaterThan(Date.now() - 60000);

    const jobs = await sql<{ id: string; status: string; last_error: string | null }>(
      `SELECT id, status, last_error FROM jobs WHERE agent_id = $1 ORDER BY id`,
      [agent.id],
    );
    expect(jobs).toEqual([
      { id: `job-ret-done-${run}`, status: 'completed', last_error: null },
      { id: `job-ret-pending-${run}`, status: 'failed', last_error: expect.stringContaining('was retired') },
      { id: `job-ret-running-${run}`, status: 'failed', last_error: expect.stringContaining('was retired') },
    ]);

    expectGone(await api('POST', `/api/v1/agents/${agent.id}/heartbeat`, { key, body: beat }));
    expectGone(await api('GET', `/api/v1/agents/${agent.id}/work`, { key }));
    expectGone(await api('GET', `/api/v1/agents/${agent.id}/jobs/job-ret-done-${run}`, { key }));
    expectGone(await api('POST', `/api/v1/agents/${agent.id}/jobs/job-ret-running-${run}/status`, { key, body: { status: 'completed' } }));
    // Whoever calls: an admin on the agent's routes gets the same answer.
    expectGone(await api('GET', `/api/v1/agents/${agent.id}/work`));
    // The agent itself stays readable for the record.
    expect((await api('GET', `/api/v1/agents/${agent.id}`)).body).toMatchObject({ status: 'retired' });

    const again = await api('POST', `/api/v1/agents/${agent.id}/retire`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ agent: { status: 'retired', retired_at: retired.body.agent.retired_at }, failed_jobs: 0 });
    expectProblem(await api('POST', `/api/v1/agents/no-such-agent-${run}/retire`), 404);
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/retire`, { key }), 403);

    const rows = await auditRows('agent.retire', agent.id);
    expect(rows.find((row) => row.status === 200 && row.details.failed_jobs === 2)).toMatchObject({ actor: expect.any(String) });
  });
});

describe('agent bootstrap tokens', () => {
  const mint = (body: Record<string, unknown> = {}) => api('POST', '/api/v1/agent-bootstrap-tokens', { body });
  const exchange = (token: string | null, name: string) =>
    api('POST', '/api/v1/agents/bootstrap', { key: token, body: { name, hostname: 'host-1' } });

  it('a token is shown once, exchanged once for a working agent key, and refused (401) after', async () => {
    const minted = await mint({ name_prefix: 'edge-' });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ id: expect.any(String), name_prefix: 'edge-', uses_left: 1, status: 'active' });
    expect(minted.body.token).toMatch(/^cbt_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(minted.body.expires_at) - Date.now()).toBeGreaterThan(3500 * 1000);

    const listed = await api('GET', '/api/v1/agent-bootstrap-tokens?limit=500');
    const row = listed.body.data.find((t: { id: string }) => t.id === minted.body.id);
    expect(row).toMatchObject({ uses_left: 1, status: 'active' });
    expect(JSON.stringify(listed.body)).not.toContain(minted.body.token);
    const stored = await sql<{ token_hash: string }>('SELECT token_hash FROM agent_bootstrap_tokens WHERE id = $1', [minted.body.id]);
    expect(stored[0].token_hash).toMatch(/^[0-9a-f]{64}$/);

    expectProblem(await exchange(minted.body.token, `web-${run}`), 422); // the name prefix is enforced, the use kept
    const got = await exchange(minted.body.token, `edge-${run}`);
    expect(got.status).toBe(201);
    expect(got.body.agent).toMatchObject({ name: `edge-${run}`, hostname: 'host-1', status: 'offline' });
    expect(got.body.api_key).toMatch(/^cck_/);

    const hb = await api('POST', `/api/v1/agents/${got.body.agent.id}/heartbeat`, { key: got.body.api_key, body: beat });
    expect(hb.status).toBe(200);
    expect((await api('GET', `/api/v1/agents/${got.body.agent.id}/work`, { key: got.body.api_key })).status).toBe(200);
    expectProblem(await api('GET', '/api/v1/certificates', { key: got.body.api_key }), 403); // an agent key, nothing more

    const second = await exchange(minted.body.token, `edge-2-${run}`);
    expectProblem(second, 401);
    expect(second.body.detail).toBe('The bootstrap token is unknown, expired or used up.');
    expectProblem(await exchange(`cbt_${'A'.repeat(43)}`, `edge-3-${run}`), 401);
    expectProblem(await exchange(null, `edge-4-${run}`), 401);

    const rows = await auditRows('agent.bootstrap', got.body.agent.id);
    expect(rows[0]).toMatchObject({ actor: `bootstrap:${minted.body.id}`, status: 201 });
    const created = await auditRows('agent_bootstrap_token.create', minted.body.id);
    expect(created[0]).toMatchObject({ status: 201 });
  });

  it('an expired or deleted token is refused with 401', async () => {
    const expired = await mint({ expires_in_seconds: 60 });
    await sql(`UPDATE agent_bootstrap_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.body.id]);
    expectProblem(await exchange(expired.body.token, `late-${run}`), 401);

    const deleted = await mint();
    expect((await api('DELETE', `/api/v1/agent-bootstrap-tokens/${deleted.body.id}`)).status).toBe(204);
    expectProblem(await api('DELETE', `/api/v1/agent-bootstrap-tokens/${deleted.body.id}`), 404);
    expectProblem(await exchange(deleted.body.token, `gone-${run}`), 401);
  });

  it('two concurrent exchanges of a one-use token: exactly one 201, one 401', async () => {
    const minted = await mint();
    const answers = await Promise.all([exchange(minted.body.token, `race-a-${run}`), exchange(minted.body.token, `race-b-${run}`)]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 401]);
    const left = await sql<{ uses_left: number }>('SELECT uses_left FROM agent_bootstrap_tokens WHERE id = $1', [minted.body.id]);
    expect(left[0].uses_left).toBe(0);
  });

  it('minting is admin-only and checks its body', async () => {
    const viewer = await api('POST', '/api/v1/api-keys', { body: { name: `viewer-bst-${run}`, role: 'viewer' } });
    expectProblem(await api('POST', '/api/v1/agent-bootstrap-tokens', { key: viewer.body.key, body: {} }), 403);
    const bad = await mint({ expires_in_seconds: 8 * 24 * 3600, uses: 0 });
    expectProblem(bad, 422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['expires_in_seconds', 'uses']);
  });
});
