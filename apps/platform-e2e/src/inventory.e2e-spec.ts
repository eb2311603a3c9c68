import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SecretBox, openValue } from '@certctl/pki';
import { ROOT } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor, expectProblem } from './http';

const run = Date.now().toString(36);
/** A complete NGINX target config (the API checks it against the nginx schema the agent deploys with). */
const NGINX_CONFIG = { cert_path: '/etc/nginx/tls/site.pem', key_path: '/etc/nginx/tls/site.key', verify: { port: 443 } };
const HAPROXY_CONFIG = {
  pem_path: '/etc/haproxy/site.pem',
  config_file: '/etc/haproxy/haproxy.cfg',
  reload: { mode: 'signal', pid_file: '/run/haproxy.pid' },
  verify: { port: 443 },
};

describe('configuration resources: create, read, update, delete', () => {
  it('teams, owners, renewal policies and profiles round-trip, and a referenced one cannot be deleted', async () => {
    const team = await api('POST', '/api/v1/teams', { body: { id: `t-${run}`, name: `Team ${run}`, description: 'e2e' } });
    expect(team.status).toBe(201);
    expect(team.headers.get('location')).toBe(`/api/v1/teams/t-${run}`);
    const owner = await api('POST', '/api/v1/owners', { body: { name: 'Bob', email: 'bob@example.com', team_id: team.body.id } });
    expect(owner.status).toBe(201);
    expect(owner.body.id).toMatch(/^o-/);
    const policy = await api('POST', '/api/v1/renewal-policies', {
      body: { name: `Policy ${run}`, renew_before_fraction: 0.25, max_retries: 2 },
    });
    expect(policy.status).toBe(201);
    expect(policy.body).toMatchObject({
      auto_renew: true,
      renew_before_days: null,
      renew_before_fraction: 0.25,
      alert_thresholds_days: [30, 14, 7, 1],
    });
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `S/MIME ${run}`, ekus: ['emailProtection'], san_rules: { allow_email: true }, max_validity_days: 365 },
    });
    expect(profile.status).toBe(201);
    expect(profile.body).toMatchObject({ ekus: ['emailProtection'], requires_approval: false, key_generation: 'server' });

    for (const [path, id] of [
      ['teams', team.body.id],
      ['owners', owner.body.id],
      ['renewal-policies', policy.body.id],
      ['profiles', profile.body.id],
    ]) {
      const got = await api('GET', `/api/v1/${path}/${id}`);
      expect(got.status).toBe(200);
      const listed = await api('GET', `/api/v1/${path}?limit=500`);
      expect(listed.body.data.map((r: { id: string }) => r.id)).toContain(id);
    }

    const renamed = await api('PATCH', `/api/v1/teams/${team.body.id}`, { body: { description: 'renamed' } });
    expect(renamed.body).toMatchObject({ name: `Team ${run}`, description: 'renamed' });

    const cert = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`refs-${run}`), owner_id: owner.body.id, team_id: team.body.id, renewal_policy_id: policy.body.id },
    });
    expect(cert.status).toBe(201);
    const conflict = await api('DELETE', `/api/v1/teams/${team.body.id}`);
    expectProblem(conflict, 409);
    expect(conflict.body.detail).toMatch(/certificate\(s\).*owner\(s\)/);
    expect(conflict.body.detail).toContain(cert.body.id);
    expectProblem(await api('DELETE', `/api/v1/renewal-policies/${policy.body.id}`), 409);

    expect((await api('DELETE', `/api/v1/profiles/${profile.body.id}`)).status).toBe(204);
    expectProblem(await api('GET', `/api/v1/profiles/${profile.body.id}`), 404);
  });

  it('fail/a profile’s SAN rules are applied to new certificates, each breach named', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `corp-only-${run}`, san_rules: { allow_wildcards: false, allow_ip: false, dns_suffixes: ['corp.example'] } },
    });
    expect(profile.status).toBe(201);
    const bad = await api('POST', '/api/v1/certificates', {
      body: {
        ...validCertificate(`sanrules-${run}`),
        common_name: `web.corp.example`,
        sans: ['*.corp.example', '10.1.2.3', 'evil.example.org'],
        profile_id: profile.body.id,
      },
    });
    expectProblem(bad, 422);
    const messages = bad.body.errors.map((e: { message: string }) => e.message).join('\n');
    expect(messages).toMatch(/wildcards are not allowed/);
    expect(messages).toMatch(/IP addresses are not allowed/);
    expect(messages).toMatch(/evil\.example\.org: must be under corp\.example/);
    const ok = await api('POST', '/api/v1/certificates', {
      body: {
        ...validCertificate(`sanrules-ok-${run}`),
        common_name: `api.corp.example`,
        sans: ['www.corp.example'],
        profile_id: profile.body.id,
      },
    });
    expect(ok.status).toBe(201);
  });

  it('fail/bad fields, unknown references and duplicates are named', async () => {
    const bad = await api('POST', '/api/v1/owners', { body: { name: 'x', email: 'not-an-email', team_id: 'no-such-team' } });
    expectProblem(bad, 422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('email');
    const unknownTeam = await api('POST', '/api/v1/owners', { body: { name: 'x', email: 'x@example.com', team_id: 'no-such-team' } });
    expectProblem(unknownTeam, 422);
    expect(unknownTeam.body.errors).toEqual([{ field: 'team_id', message: 'team "no-such-team" does not exist' }]);
    const both = await api('POST', '/api/v1/renewal-policies', {
      body: { name: `both-${run}`, renew_before_days: 10, renew_before_fraction: 0.5 },
    });
    expectProblem(both, 422);
    const smime = await api('POST', '/api/v1/profiles', {
      body: { name: `smime-${run}`, ekus: ['emailProtection'], san_rules: { allow_email: false } },
    });
    expectProblem(smime, 422);
    expect(smime.body.errors[0].field).toBe('san_rules.allow_email');
    await api('POST', '/api/v1/teams', { body: { name: `dup-${run}` } });
    expectProblem(await api('POST', '/api/v1/teams', { body: { name: `dup-${run}` } }), 409);
    expectProblem(await api('PATCH', '/api/v1/teams/no-such-team', { body: { description: 'x' } }), 404);
  });
});

describe('certificate lifecycle', () => {
  it('updates a certificate, renews it once (a second request while open is a 409) and the renewal issues a new version', async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`renew-${run}`) });
    const first = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${created.body.id}`);
        return c.body.status === 'active' ? c.body : undefined;
      },
      30000,
      'first issuance',
    );

    const updated = await api('PATCH', `/api/v1/certificates/${created.body.id}`, { body: { environment: 'prod', tags: { app: 'shop' } } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ environment: 'prod', tags: { app: 'shop' }, status: 'active' });
    expectProblem(await api('PATCH', `/api/v1/certificates/${created.body.id}`, { body: { owner_id: 'nobody' } }), 422);

    const renewed = await api('POST', `/api/v1/certificates/${created.body.id}/renew`);
    expect(renewed.status).toBe(202);
    expect(renewed.body).toMatchObject({ certificate_id: created.body.id, status: 'pending' });
    const again = await api('POST', `/api/v1/certificates/${created.body.id}/renew`);
    if (again.status !== 409) {
      // The first renewal may already have finished; then this is a fresh, legitimate renewal.
      expect(again.status).toBe(202);
    }
    const second = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${created.body.id}`);
        return c.body.status === 'active' && c.body.serial_number !== first.serial_number ? c.body : undefined;
      },
      30000,
      'renewed version',
    );
    expect(second.current_version.id).not.toBe(first.current_version.id);
    const job = await api('GET', `/api/v1/jobs/${renewed.body.job_id}`);
    expect(job.body).toMatchObject({ type: 'renewal', status: 'completed' });
    expectProblem(await api('POST', '/api/v1/certificates/no-such-cert/renew'), 404);
  });

  it('bulk renew of 1,000 certificates creates one job each, once, and holds them for approval when the profile says so', async () => {
    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO certificate_profiles (id, name, requires_approval, updated_at) VALUES ('prof-e2e-bulk', 'e2e bulk approval', true, now()) ON CONFLICT (id) DO NOTHING`,
      );
      // Fixture: 1,000 active certificates on team t-bulk-<run> (inserted directly: issuing them is not what is measured).
      await db.query(`INSERT INTO teams (id, name, updated_at) VALUES ($1, $1, now())`, [`t-bulk-${run}`]);
      await db.query(
        `INSERT INTO certificates (id, name, common_name, sans, status, issuer_id, profile_id, owner_id, team_id, renewal_policy_id, expires_at, updated_at)
         SELECT 'cert-bulk-${run}-' || g, 'bulk-${run}-' || g, 'bulk' || g || '.example.com', ARRAY['bulk' || g || '.example.com'], 'active',
                'iss-local', 'prof-e2e-bulk', 'o-alice', $1, 'rp-standard', now() + interval '10 days', now()
         FROM generate_series(1, 1000) g`,
        [`t-bulk-${run}`],
      );
    } finally {
      await db.end();
    }
    const t0 = Date.now();
    const bulk = await api('POST', '/api/v1/certificates/bulk-renew', { body: { filter: { team_id: `t-bulk-${run}` } } });
    const ms = Date.now() - t0;
    expect(bulk.status).toBe(202);
    expect(bulk.body).toMatchObject({ requested: 1000, queued: 1000, skipped: [] });
    expect(new Set(bulk.body.jobs.map((j: { certificate_id: string }) => j.certificate_id)).size).toBe(1000);
    process.stderr.write(`[e2e] bulk renew of 1,000 certificates answered in ${ms} ms\n`);

    const again = await api('POST', '/api/v1/certificates/bulk-renew', { body: { filter: { team_id: `t-bulk-${run}` } } });
    expect(again.body.queued).toBe(0);
    expect(again.body.skipped).toHaveLength(1000);
    expect(again.body.skipped[0].reason).toMatch(/already open/);

    const waiting = await api('GET', `/api/v1/jobs?status=awaiting_approval&type=renewal&limit=500`);
    expect(waiting.body.data.length).toBe(500);
    expect(waiting.body.next_cursor).not.toBeNull();

    expectProblem(await api('POST', '/api/v1/certificates/bulk-renew', { body: {} }), 422);
    expectProblem(await api('POST', '/api/v1/certificates/bulk-renew', { body: { ids: ['a'], filter: {} } }), 422);
    // An empty filter would match every certificate: refused, not a fleet-wide renewal.
    expectProblem(await api('POST', '/api/v1/certificates/bulk-renew', { body: { filter: {} } }), 422);
  });

  it('summarises the inventory', async () => {
    const s = await api('GET', '/api/v1/stats/summary');
    expect(s.status).toBe(200);
    expect(s.body.certificates.total).toBeGreaterThanOrEqual(1000);
    expect(s.body.certificates.by_status.renewal_in_progress).toBeGreaterThanOrEqual(1000);
    expect(s.body.expiring.within_30_days).toBeGreaterThanOrEqual(1000);
    expect(s.body.jobs.by_status.awaiting_approval).toBeGreaterThanOrEqual(1000);
    expect(s.body.agents).toEqual({ online: expect.any(Number), offline: expect.any(Number), retired: expect.any(Number) });
    expect(s.body.notifications).toEqual({ dead: expect.any(Number), by_status: expect.any(Object) });
  });
});

describe('agent API', () => {
  it('registers an agent with its own key, which heartbeats, claims its work, reports status and cannot act for another agent', async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `agent-${run}`, hostname: 'web-1' } });
    expect(reg.status).toBe(201);
    const { agent, api_key: key } = reg.body;
    expect(agent).toMatchObject({ name: `agent-${run}`, status: 'offline' });
    const other = await api('POST', '/api/v1/agents', { body: { name: `other-${run}` } });

    const hb = await api('POST', `/api/v1/agents/${agent.id}/heartbeat`, {
      key,
      body: { hostname: 'web-1', os: 'linux', architecture: 'amd64', version: '1.0.0', ip_addresses: ['10.0.0.5'] },
    });
    expect(hb.status).toBe(200);
    const got = await api('GET', `/api/v1/agents/${agent.id}`);
    expect(got.body).toMatchObject({ status: 'online', os: 'linux', ip_addresses: ['10.0.0.5'] });
    expect(Date.parse(got.body.last_heartbeat_at)).toBeGreaterThan(Date.now() - 60000);

    // A deployment job for this agent (job creation for deployments arrives with targets).
    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    try {
      const cert = await api('POST', '/api/v1/certificates', { body: validCertificate(`agentcert-${run}`) });
      await db.query(
        `INSERT INTO jobs (id, type, status, certificate_id, agent_id, updated_at) VALUES ($1, 'deployment', 'pending', $2, $3, now())`,
        [`job-deploy-${run}`, cert.body.id, agent.id],
      );
    } finally {
      await db.end();
    }
    const work = await api('GET', `/api/v1/agents/${agent.id}/work`, { key });
    expect(work.status).toBe(200);
    expect(work.body.claimed.map((j: { id: string }) => j.id)).toEqual([`job-deploy-${run}`]);
    expect((await api('GET', `/api/v1/agents/${agent.id}/work`, { key })).body.claimed).toEqual([]);
    const done = await api('POST', `/api/v1/agents/${agent.id}/jobs/job-deploy-${run}/status`, {
      key,
      body: { status: 'completed', result: { target: 'nginx' } },
    });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/jobs/job-deploy-${run}/status`, { key, body: { status: 'running' } }), 409);

    expectProblem(await api('POST', `/api/v1/agents/${other.body.agent.id}/heartbeat`, { key, body: { hostname: 'x' } }), 403);
    expectProblem(await api('GET', `/api/v1/agents/${other.body.agent.id}/work`, { key }), 403);
    expectProblem(await api('GET', '/api/v1/certificates', { key }), 403);
    expectProblem(
      await api('POST', `/api/v1/agents/${agent.id}/heartbeat`, { key, body: { hostname: 'x', ip_addresses: ['not-an-ip'] } }),
      422,
    );
  });
});

describe('agent work is deployment work only', () => {
  it('fail/an agent cannot claim or report an issuance, renewal or revocation job, a job awaiting approval, nor another agent’s job', async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `scoped-agent-${run}` } });
    const { agent, api_key: key } = reg.body;
    const other = await api('POST', '/api/v1/agents', { body: { name: `scoped-other-${run}` } });
    const otherAgent = other.body.agent.id as string;
    const cert = await api('POST', '/api/v1/certificates', { body: validCertificate(`scoped-${run}`) });
    expect(cert.status).toBe(201);
    const job = (name: string) => `job-scoped-${name}-${run}`;
    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    try {
      const rows: [string, string, string, string][] = [
        [job('issuance'), 'issuance', 'pending', agent.id],
        [job('renewal-running'), 'renewal', 'running', agent.id],
        [job('revocation'), 'revocation', 'pending', agent.id],
        [job('issuance-approval'), 'issuance', 'awaiting_approval', agent.id],
        [job('deploy-approval'), 'deployment', 'awaiting_approval', agent.id],
        [job('deploy-other'), 'deployment', 'pending', otherAgent],
        [job('deploy-own'), 'deployment', 'pending', agent.id],
      ];
      for (const [id, type, status, agentId] of rows) {
        await db.query(
          `INSERT INTO jobs (id, type, status, certificate_id, agent_id, scheduled_at, updated_at)
           VALUES ($1, $2::job_type, $3::job_status, $4, $5, now() - interval '1 minute', now())`,
          [id, type, status, cert.body.id, agentId],
        );
      }
    } finally {
      await db.end();
    }

    // Only its own pending deployment job is claimed.
    const work = await api('GET', `/api/v1/agents/${agent.id}/work?limit=50`, { key });
    expect(work.status).toBe(200);
    expect(work.body.claimed.map((j: { id: string }) => j.id)).toEqual([job('deploy-own')]);

    const report = (agentId: string, jobId: string, status: string) =>
      api('POST', `/api/v1/agents/${agentId}/jobs/${jobId}/status`, { key, body: { status } });
    // Platform jobs bound to the agent: 403, whatever the move.
    expectProblem(await report(agent.id, job('issuance'), 'running'), 403);
    expectProblem(await report(agent.id, job('renewal-running'), 'completed'), 403);
    expectProblem(await report(agent.id, job('revocation'), 'failed'), 403);
    // Held for approval: an agent can neither fail nor start it.
    expectProblem(await report(agent.id, job('issuance-approval'), 'failed'), 403);
    expectProblem(await report(agent.id, job('deploy-approval'), 'failed'), 409);
    // Another agent's job: unknown through its own id, forbidden through the other's.
    expectProblem(await report(agent.id, job('deploy-other'), 'running'), 404);
    expectProblem(await report(otherAgent, job('deploy-other'), 'running'), 403);

    const states = await api('GET', `/api/v1/jobs?certificate_id=${cert.body.id}&limit=50`);
    const byId = new Map(states.body.data.map((j: { id: string; status: string }) => [j.id, j.status]));
    expect(Object.fromEntries([...byId].filter(([id]) => String(id).startsWith('job-scoped-')))).toEqual({
      [job('issuance')]: 'pending',
      [job('renewal-running')]: 'running',
      [job('revocation')]: 'pending',
      [job('issuance-approval')]: 'awaiting_approval',
      [job('deploy-approval')]: 'awaiting_approval',
      [job('deploy-other')]: 'pending',
      [job('deploy-own')]: 'running',
    });
    // Its own deployment job is still its to finish.
    expect((await report(agent.id, job('deploy-own'), 'completed')).body.status).toBe('completed');
  });
});

describe('agent key generation', () => {
  it('an AwaitingCSR job is completed from a CSR made by openssl req on the agent, whose key never leaves it', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      // 90 days: with rp-standard's 30-day renew-before, a 30-day certificate is due at once and the
      // scheduler's 1 s renewal loop could start renewing it before the assertions below.
      body: { name: `agent-keys-${run}`, key_generation: 'agent', max_validity_days: 90 },
    });
    expect(profile.status).toBe(201);
    const reg = await api('POST', '/api/v1/agents', { body: { name: `csr-agent-${run}` } });
    const { agent, api_key: key } = reg.body;

    const noAgent = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`noagent-${run}`), profile_id: profile.body.id },
    });
    expectProblem(noAgent, 422);
    expect(noAgent.body.errors.map((e: { field: string }) => e.field)).toContain('agent_id');

    const name = `csr-${run}`;
    const cert = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(name), sans: [`www.${name}.example.com`], profile_id: profile.body.id, agent_id: agent.id },
    });
    expect(cert.status).toBe(201);
    const work = await api('GET', `/api/v1/agents/${agent.id}/work`, { key });
    const item = work.body.awaiting_csr.find((j: { id: string }) => j.id === cert.body.job_id);
    expect(item).toMatchObject({ status: 'awaiting_csr', common_name: `${name}.example.com` });
    expect(item.sans.sort()).toEqual([`${name}.example.com`, `www.${name}.example.com`].sort());

    const dir = mkdtempSync(join(tmpdir(), 'certctl-agent-'));
    const keyFile = join(dir, 'key.pem');
    const csrFor = (names: string[]) => {
      const cfg = join(dir, 'req.cnf');
      writeFileSync(
        cfg,
        `[req]\ndistinguished_name=dn\nprompt=no\nreq_extensions=ext\n[dn]\nCN=${names[0]}\n[ext]\nsubjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`,
      );
      return execFileSync('openssl', ['req', '-new', '-key', keyFile, '-config', cfg], { encoding: 'utf8' });
    };
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);

    const wrong = await api('POST', `/api/v1/agents/${agent.id}/jobs/${cert.body.job_id}/csr`, {
      key,
      body: { csr_pem: csrFor([`${name}.example.com`, 'evil.example.org']) },
    });
    expectProblem(wrong, 422);
    expect(wrong.body.errors[0].message).toMatch(/evil\.example\.org/);

    const ok = await api('POST', `/api/v1/agents/${agent.id}/jobs/${cert.body.job_id}/csr`, { key, body: { csr_pem: csrFor(item.sans) } });
    expect(ok.status).toBe(202);
    expect(ok.body.status).toBe('pending');
    const done = await waitFor(
      async () => {
        const j = await api('GET', `/api/v1/agents/${agent.id}/jobs/${cert.body.job_id}`, { key });
        return j.body.status === 'completed' ? j.body : undefined;
      },
      30000,
      'the CSR job to complete',
    );
    writeFileSync(join(dir, 'cert.pem'), done.certificate_pem);
    const certKey = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-pubkey'], { encoding: 'utf8' });
    const agentKey = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout'], { encoding: 'utf8' });
    expect(certKey).toBe(agentKey);
    const stored = await api('GET', `/api/v1/certificates/${cert.body.id}`);
    expect(stored.body).toMatchObject({ status: 'active', agent_id: agent.id, current_version: { key_source: 'agent' } });
    const privateKeyBody = readFileSync(keyFile, 'utf8').split('\n').slice(1, -2).join('');
    expect(stored.text.replace(/\\n/g, '')).not.toContain(privateKeyBody.slice(0, 40));
    expectProblem(
      await api('POST', `/api/v1/agents/${agent.id}/jobs/${cert.body.job_id}/csr`, { key, body: { csr_pem: csrFor(item.sans) } }),
      409,
    );
  });
});

describe('targets and archiving', () => {
  it('targets bound to an agent round-trip; an unknown agent is named; a duplicate name on one agent is a 409', async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `tgt-agent-${run}` } });
    const agentId = reg.body.agent.id;
    const t = await api('POST', '/api/v1/targets', {
      body: {
        name: 'edge-nginx',
        type: 'nginx',
        agent_id: agentId,
        config: NGINX_CONFIG,
      },
    });
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ type: 'nginx', agent_id: agentId, enabled: true, config: { cert_path: '/etc/nginx/tls/site.pem' } });
    expectProblem(
      await api('POST', '/api/v1/targets', { body: { name: 'edge-nginx', type: 'nginx', agent_id: agentId, config: NGINX_CONFIG } }),
      409,
    );
    const bad = await api('POST', '/api/v1/targets', {
      body: { name: 'x', type: 'nginx', agent_id: 'no-such-agent', config: NGINX_CONFIG },
    });
    expectProblem(bad, 422);
    expect(bad.body.errors[0].field).toBe('agent_id');
    expectProblem(await api('POST', '/api/v1/targets', { body: { name: 'x', type: 'telnet' } }), 422);
    expect((await api('PATCH', `/api/v1/targets/${t.body.id}`, { body: { enabled: false } })).body.enabled).toBe(false);
    expectProblem(await api('POST', '/api/v1/targets', { key: null, body: { name: 'y', type: 'file' } }), 401);
    expect((await api('DELETE', `/api/v1/targets/${t.body.id}`)).status).toBe(204);
  });

  it("a target's config is checked against its type's schema on create and update: a 422 naming config.<field>", async () => {
    const refused = await api('POST', '/api/v1/targets', {
      body: { name: `bad-nginx-${run}`, type: 'nginx', config: { ...NGINX_CONFIG, cert_path: 'site.pem', verify: { port: 70000 } } },
    });
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([
      { field: 'config.cert_path', message: 'must be an absolute path' },
      { field: 'config.verify.port', message: expect.any(String) },
    ]);
    const created = await api('POST', '/api/v1/targets', {
      body: { name: `good-haproxy-${run}`, type: 'haproxy', config: HAPROXY_CONFIG },
    });
    expect(created.status).toBe(201);
    const patched = await api('PATCH', `/api/v1/targets/${created.body.id}`, {
      body: { config: { ...HAPROXY_CONFIG, reload: { mode: 'signal' } } },
    });
    expectProblem(patched, 422);
    expect(patched.body.errors).toEqual([{ field: 'config.reload.pid_file', message: expect.any(String) }]);
    expect((await api('GET', `/api/v1/targets/${created.body.id}`)).body.config).toEqual(HAPROXY_CONFIG);
    const types = await api('GET', '/api/v1/target-types');
    expect(types.status).toBe(200);
    expect(types.body.data.find((entry: { type: string }) => entry.type === 'nginx')).toMatchObject({
      free_form: false,
      config_schema: { type: 'object', required: ['cert_path', 'key_path', 'verify'] },
    });
    expect((await api('DELETE', `/api/v1/targets/${created.body.id}`)).status).toBe(204);
  });

  it('mail, keystore, SSH and AWS ACM targets are created with the configurations docs/agent.md shows', async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `mail-agent-${run}` } });
    const agentId = reg.body.agent.id as string;
    const doc = readFileSync(join(ROOT, 'docs/agent.md'), 'utf8');
    const start = doc.indexOf('## Targets: mail, keystores, SSH and AWS Certificate Manager');
    expect(start).toBeGreaterThan(0);
    const section = doc.slice(start, doc.indexOf('\n## ', start + 4));
    // The section's JSON blocks that are target bodies (it also shows an IAM policy).
    const examples = [...section.matchAll(/```json\n([\s\S]+?)```/g)]
      .map((block) => JSON.parse(block[1].replace("<the agent's id>", agentId)) as { type?: string; config: Record<string, unknown> })
      .filter((example): example is { type: string; config: Record<string, unknown> } => typeof example.type === 'string');
    expect(examples.map((example) => example.type)).toEqual(['postfix', 'dovecot', 'keystore', 'ssh', 'aws-acm']);
    for (const example of examples) {
      const created = await api('POST', '/api/v1/targets', { body: { ...example, name: `${example.type}-${run}` } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ type: example.type, agent_id: agentId, enabled: true });
      const { password_env: passwordEnv, ...shown } = example.config;
      expect(created.body.config).toMatchObject(shown);
      if (passwordEnv) expect(created.body.config.password_env).not.toBe(passwordEnv); // a secret-named field: answered masked
      expect((await api('DELETE', `/api/v1/targets/${created.body.id}`)).status).toBe(204);
    }
  });

  it('secrets in target settings are stored sealed, answered masked to admins and viewers, and kept when the mask is sent back', async () => {
    const password = `f5-admin-pw-${run}`;
    const hook = `https://hooks.slack.com/services/T0/B0/tgt${run}XXXX`;
    const created = await api('POST', '/api/v1/targets', {
      body: {
        name: `f5-${run}`,
        type: 'f5',
        config: { host: 'lb.example.com', username: 'admin', password, notify: { webhook_url: hook } },
      },
    });
    expect(created.status).toBe(201);
    const masked = {
      host: 'lb.example.com',
      username: 'admin',
      password: '****',
      notify: { webhook_url: 'https://hooks.slack.com/…****' },
    };
    expect(created.body.config).toEqual(masked);
    expect(created.text).not.toMatch(new RegExp(`${password}|tgt${run}`));
    const key = await api('POST', '/api/v1/api-keys', { body: { name: `tgt-viewer-${run}`, role: 'viewer' } });
    for (const as of [undefined, key.body.key as string]) {
      const one = await api('GET', `/api/v1/targets/${created.body.id}`, as ? { key: as } : {});
      expect(one.status).toBe(200);
      expect(one.body.config).toEqual(masked);
      expect(one.text).not.toContain(password);
    }

    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    const box = SecretBox.fromSecret(readState().env.CERTCTL_ENCRYPTION_KEY!);
    const stored = async (id: string) =>
      JSON.parse((await db.query<{ c: string }>('SELECT config::text AS c FROM targets WHERE id = $1', [id])).rows[0]!.c) as Record<
        string,
        any
      >;
    try {
      const row = await stored(created.body.id);
      expect(JSON.stringify(row)).not.toMatch(new RegExp(`${password}|tgt${run}`));
      expect(openValue(box, row.password, `target:${created.body.id}:config.password`)).toBe(password);

      // The console sends the settings back as shown, with one change: the secrets stay.
      const patched = await api('PATCH', `/api/v1/targets/${created.body.id}`, {
        body: { config: { ...masked, host: 'lb2.example.com' } },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.config).toEqual({ ...masked, host: 'lb2.example.com' });
      const after = await stored(created.body.id);
      expect(openValue(box, after.password, `target:${created.body.id}:config.password`)).toBe(password);
      expect(openValue(box, after.notify.webhook_url, `target:${created.body.id}:config.notify.webhook_url`)).toBe(hook);
      // A new value replaces the secret; a mask with nothing behind it is refused.
      await api('PATCH', `/api/v1/targets/${created.body.id}`, { body: { config: { ...masked, password: 'rotated-pw' } } });
      expect(openValue(box, (await stored(created.body.id)).password, `target:${created.body.id}:config.password`)).toBe('rotated-pw');
      const noSecret = await api('PATCH', `/api/v1/targets/${created.body.id}`, { body: { config: { token: '****' } } });
      expectProblem(noSecret, 422);
      expect(noSecret.body.errors[0].field).toBe('config.token');

      // A target written before settings were sealed: answered masked, sealed when its mask is sent back.
      const legacyId = `tgt-legacy-${run}`;
      await db.query(
        `INSERT INTO targets (id, name, type, config, updated_at) VALUES ($1, $1, 'file', '{"path": "/srv/tls", "api_token": "legacy-token-1"}', now())`,
        [legacyId],
      );
      const legacy = await api('GET', `/api/v1/targets/${legacyId}`);
      expect(legacy.body.config).toEqual({ path: '/srv/tls', api_token: '****' });
      expect((await api('PATCH', `/api/v1/targets/${legacyId}`, { body: { config: legacy.body.config } })).status).toBe(200);
      const sealedNow = await stored(legacyId);
      expect(JSON.stringify(sealedNow)).not.toContain('legacy-token-1');
      expect(openValue(box, sealedNow.api_token, `target:${legacyId}:config.api_token`)).toBe('legacy-token-1');
    } finally {
      await db.end();
    }
  });

  it('a certificate bound to a target is deployed: each new version becomes a deployment job its agent claims, with the PEM', async () => {
    const reg = await api('POST', '/api/v1/agents', { body: { name: `deploy-agent-${run}` } });
    const { agent, api_key: key } = reg.body;
    const target = await api('POST', '/api/v1/targets', { body: { name: 'web', type: 'nginx', agent_id: agent.id, config: NGINX_CONFIG } });
    expectProblem(
      await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`bad-target-${run}`), target_ids: ['no-such-target'] } }),
      422,
    );
    const cert = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`deployed-${run}`), target_ids: [target.body.id] },
    });
    expect(cert.status).toBe(201);
    expect(cert.body.target_ids).toEqual([target.body.id]);
    const work = await waitFor(
      async () => {
        const w = await api('GET', `/api/v1/agents/${agent.id}/work`, { key });
        return w.body.claimed?.length ? w.body : undefined;
      },
      30000,
      'a deployment job for the agent',
    );
    expect(work.claimed).toHaveLength(1);
    const job = work.claimed[0];
    expect(job).toMatchObject({ type: 'deployment', status: 'running', certificate_id: cert.body.id });
    const detail = await api('GET', `/api/v1/agents/${agent.id}/jobs/${job.id}`, { key });
    const issued = await api('GET', `/api/v1/certificates/${cert.body.id}`);
    expect(detail.body.certificate_pem).toBe(issued.body.certificate_pem);
    expect(detail.body.chain_pem).toBe(issued.body.chain_pem);
    const done = await api('POST', `/api/v1/agents/${agent.id}/jobs/${job.id}/status`, {
      key,
      body: { status: 'completed', result: { reloaded: true } },
    });
    expect(done.body.status).toBe('completed');
    const conflict = await api('DELETE', `/api/v1/targets/${target.body.id}`);
    expectProblem(conflict, 409);
    expect(conflict.body.detail).toMatch(/binding/);
    expect((await api('PATCH', `/api/v1/certificates/${cert.body.id}`, { body: { target_ids: [] } })).body.target_ids).toEqual([]);
    expect((await api('DELETE', `/api/v1/targets/${target.body.id}`)).status).toBe(204);
  });

  it('archiving cancels open jobs, is idempotent, and an archived certificate cannot be renewed', async () => {
    const created = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`archive-${run}`), profile_id: 'prof-e2e-bulk' },
    });
    expect(created.status).toBe(201);
    expect((await api('DELETE', `/api/v1/certificates/${created.body.id}`)).status).toBe(204);
    expect((await api('DELETE', `/api/v1/certificates/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/api/v1/certificates/${created.body.id}`)).body.status).toBe('archived');
    expect((await api('GET', `/api/v1/jobs/${created.body.job_id}`)).body.status).toBe('cancelled');
    const renew = await api('POST', `/api/v1/certificates/${created.body.id}/renew`);
    expectProblem(renew, 409);
    expect(renew.body.detail).toMatch(/archived/);
  });
});
