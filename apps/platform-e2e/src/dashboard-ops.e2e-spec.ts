import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Server, createServer } from 'node:tls';
import { createRootCa, exportPrivateKeyPem, generateKeyPair, signLeaf } from '@certctl/pki';
import { startHttpReceiver } from '@certctl/testing';
import type { Page } from 'playwright-core';
import { baseUrl, screenshot, signedIn as signedInAs, useBrowser } from './browser';
import { readState } from './e2e-env';
import { api, auditRows, validCertificate, waitFor } from './http';

/**
 * The dashboard's operational pages in Debian's Chromium (playwright-core) against the e2e
 * stack: requeue of a dead notification, an EAB key shown once, the audit trail filtered and
 * downloaded as CSV, API keys created and disabled, a held job approved by a second admin after
 * the requester's refusal, discovered certificates and endpoint health, and what a viewer does
 * not see. Writes docs/images/dashboard-<page>.png.
 */
const suffix = Date.now().toString(36);
const servers: Server[] = [];

async function createKey(name: string, role: string) {
  const r = await api('POST', '/api/v1/api-keys', { body: { name: `ops-${name}-${suffix}`, role } });
  expect(r.status).toBe(201);
  return r.body as { id: string; key: string; principal: string };
}

/** A page signed in with the key (kept in the tab, so page.goto stays signed in). */
const signedIn = (key: string, width = 1280): Promise<Page> => signedInAs(key, true, width);

/** A TLS server on loopback serving a fresh leaf for `name` (for the scan and the health check). */
async function tlsServer(name: string): Promise<number> {
  const ca = await createRootCa({ commonName: `ops-ca-${suffix}`, keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  const keys = await generateKeyPair('ECDSA-P256');
  const leaf = await signLeaf({
    issuer: ca,
    subjectPublicKey: keys.publicKey,
    commonName: name,
    sans: [name],
    validitySeconds: 30 * 86400,
  });
  const server = createServer({ cert: leaf.certificatePem, key: await exportPrivateKeyPem(keys.privateKey) }, (socket) => socket.end());
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const probe = createHttpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

useBrowser();
afterAll(() => {
  for (const server of servers) server.close();
});

describe('the operational pages in Chromium', () => {
  it('requeues a dead notification from the dead-letter tab, and it is delivered', async () => {
    const received: string[] = [];
    const receiver = await startHttpReceiver((_req, body) => {
      received.push(body);
      return 200;
    });
    const team = `t-ops-${suffix}`;
    expect((await api('POST', '/api/v1/teams', { body: { id: team, name: `Ops ${suffix}` } })).status).toBe(201);
    const channel = await api('POST', '/api/v1/notification-channels', {
      body: { name: `ops-dead-${suffix}`, type: 'webhook', config: { url: `http://127.0.0.1:${await closedPort()}/hook` } },
    });
    expect(channel.status).toBe(201);
    const rule = await api('POST', '/api/v1/notification-rules', {
      body: { name: `ops-dead-${suffix}`, team_id: team, events: ['certificate.issued'], channel_ids: [channel.body.id] },
    });
    expect(rule.status).toBe(201);
    const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`ops-dead-${suffix}`), team_id: team } });
    expect(cert.status).toBe(201);
    const dead = await waitFor(
      async () => (await api('GET', `/api/v1/notifications?status=dead&channel_id=${channel.body.id}`)).body.data?.[0],
      60000,
      'a dead notification (every retry refused by the closed port)',
    );
    // The channel is repaired: the requeued notification goes to a receiver that answers.
    const fixed = await api('PATCH', `/api/v1/notification-channels/${channel.body.id}`, {
      body: { config: { url: `${receiver.url}/hook` } },
    });
    expect(fixed.status).toBe(200);

    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/notifications`);
    await page.getByRole('tab', { name: 'Deliveries' }).focus();
    await page.keyboard.press('ArrowRight'); // the tabs follow the WAI-ARIA keyboard pattern
    await expect(page.getByRole('tab', { name: 'Dead letters' }).getAttribute('aria-selected')).resolves.toBe('true');
    const row = page.locator(`tr[data-id="${dead.id}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/ECONNREFUSED|refused|connect/i);
    await screenshot(page, 'notifications');
    await row.getByRole('button', { name: `Requeue ${dead.id}` }).click();
    await expect(page.getByTestId('requeue-outcome').textContent()).resolves.toBe('1 requeued.');
    await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/notifications/${dead.id}`);
        return r.body.status === 'sent' ? r.body : undefined;
      },
      30000,
      'the requeued notification delivered',
    );
    expect(received.filter((body) => JSON.parse(body).id === dead.id)).toHaveLength(1);
    const admin = (await api('GET', '/api/v1/auth/whoami')).body.principal as string;
    expect((await auditRows('notification.requeue', dead.id))[0].actor).toBe(admin);
    await page.getByRole('tab', { name: 'Channels' }).click();
    await page.locator(`tr[data-id="${channel.body.id}"]`).getByRole('button', { name: 'Disable' }).click();
    await waitFor(
      async () => ((await api('GET', `/api/v1/notification-channels/${channel.body.id}`)).body.enabled === false ? true : undefined),
      10000,
      'the channel disabled',
    );
    await receiver.close();
    await page.close();
  }, 120000);

  it('creates an EAB key whose HMAC key is shown once, then never again', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `ops-acme-${suffix}`, acme_eab_required: true } });
    expect(profile.status).toBe(201);
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/acme-admin`);
    await page.getByRole('heading', { name: 'ACME' }).waitFor();
    await screenshot(page, 'acme');
    await page.getByRole('tab', { name: 'EAB keys' }).click();
    await page.getByLabel('Profile').selectOption(profile.body.id);
    await page.getByLabel('Description').fill(`ops runners ${suffix}`);
    await page.getByRole('button', { name: 'Create EAB key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const hmac = await page.getByLabel('HMAC key (base64url)').inputValue();
    const kid = (await page.getByTestId('eab-kid').textContent())!;
    expect(hmac).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    await screenshot(page, 'acme-eab');
    const listed = await api('GET', '/api/v1/acme/eab-keys');
    const key = (listed.body.data as { id: string; description: string }[]).find((row) => row.id === kid);
    expect(key?.description).toBe(`ops runners ${suffix}`);
    expect(listed.text).not.toContain(hmac); // the server never answers it again
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(`tr[data-id="${kid}"]`).waitFor();
    expect(await page.content()).not.toContain(hmac);
    await page.reload();
    await page.getByRole('tab', { name: 'EAB keys' }).click();
    await page.locator(`tr[data-id="${kid}"]`).getByRole('button', { name: 'Delete' }).click();
    await page.locator(`tr[data-id="${kid}"]`).waitFor({ state: 'detached' });
    expect(((await api('GET', '/api/v1/acme/eab-keys')).body.data as { id: string }[]).map((row) => row.id)).not.toContain(kid);
    await page.close();
  }, 60000);

  it('creates an API key (the secret shown once, and it works), then disables it', async () => {
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/api-keys`);
    await page.getByLabel('Name').fill(`ops-made-${suffix}`);
    await page.getByLabel('Role', { exact: true }).selectOption('operator');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog').waitFor();
    const secret = await page.getByLabel('API key', { exact: true }).inputValue();
    const me = await api('GET', '/api/v1/auth/whoami', { key: secret });
    expect(me.body).toMatchObject({ key_name: `ops-made-${suffix}`, role: 'operator' });
    await page.getByRole('button', { name: 'I have saved it' }).click();
    const row = page.locator(`tr[data-id="${me.body.key_id}"]`);
    await row.waitFor();
    await screenshot(page, 'api-keys');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await api('GET', '/api/v1/auth/whoami', { key: secret })).status).toBe(401);
    expect((await auditRows('api_key.disable', me.body.key_id))[0].status).toBe(200);
    await page.close();
  }, 60000);

  it('filters the audit trail on the server and downloads the matching events as CSV', async () => {
    const made = await createKey('audited', 'viewer');
    await auditRows('api_key.create', made.id);
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/audit`);
    await page.getByLabel('Action').fill('api_key.create');
    await page.getByLabel('Resource id').fill(made.id);
    await page.getByRole('button', { name: 'Apply' }).click();
    // The unfiltered first page may hold the row too: wait for the server's filtered answer (one row).
    await waitFor(async () => ((await page.locator('tbody tr').count()) === 1 ? true : undefined), 15000, 'the filtered audit list');
    await expect(page.locator('tbody tr').textContent()).resolves.toContain(made.id);
    await screenshot(page, 'audit');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^certctl-audit-.*\.csv$/);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^id,occurred_at,actor,/);
    expect(lines[1]).toContain(`api_key.create,POST,/api/v1/api-keys,api_key,${made.id},201`);
    await page.close();
  }, 60000);

  it('approves a held job as a second admin after the requesting admin is refused by the two-person rule', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `ops-approval-${suffix}`, requires_approval: true } });
    expect(profile.status).toBe(201);
    const requester = await createKey('req-admin', 'admin');
    const approver = await createKey('second-admin', 'admin');
    const held = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`ops-held-${suffix}`), profile_id: profile.body.id },
      key: requester.key,
    });
    expect(held.status).toBe(201);
    const own = await signedIn(requester.key);
    await own.goto(`${baseUrl()}/jobs`);
    const ownRow = own.getByRole('region', { name: 'Approval queue' }).locator(`tr[data-id="${held.body.job_id}"]`);
    await ownRow.getByRole('button', { name: 'Approve' }).click();
    await expect(ownRow.getByTestId('two-person').textContent()).resolves.toMatch(
      /Two-person rule.*someone else must approve or reject it/,
    );
    expect((await api('GET', `/api/v1/jobs/${held.body.job_id}`)).body.status).toBe('awaiting_approval');
    await own.close();
    const page = await signedIn(approver.key);
    await page.goto(`${baseUrl()}/jobs`);
    const row = page.getByRole('region', { name: 'Approval queue' }).locator(`tr[data-id="${held.body.job_id}"]`);
    await row.getByLabel('Reason').fill('second admin, change 12');
    await row.getByRole('button', { name: 'Approve' }).click();
    const job = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/jobs/${held.body.job_id}`);
        return r.body.decided_by ? r.body : undefined;
      },
      20000,
      'job decided',
    );
    expect(job).toMatchObject({ decided_by: approver.principal, decision_reason: 'second admin, change 12' });
    await page.close();
  }, 90000);

  it('claims a discovered certificate, dismisses another, and shows endpoint health with its history', async () => {
    const [portA, portB] = [await tlsServer(`ops-a-${suffix}.example.net`), await tlsServer(`ops-b-${suffix}.example.net`)];
    const scan = await api('POST', '/api/v1/network-scan-targets', {
      body: { name: `ops-scan-${suffix}`, cidrs: ['127.0.0.1/32'], ports: [portA, portB], interval_seconds: 3600, timeout_ms: 2000 },
    });
    expect(scan.status).toBe(201);
    expect((await api('POST', `/api/v1/network-scan-targets/${scan.body.id}/run`)).status).toBe(202);
    const found = await waitFor(
      async () => {
        const rows = (await api('GET', `/api/v1/discovered-certificates?q=ops-&status=unmanaged&limit=500`)).body.data as any[];
        const ours = rows.filter((row) => row.source_id === scan.body.id && !row.is_ca);
        return ours.length >= 2 ? ours : undefined;
      },
      30000,
      'the scan to find both servers',
    );
    const [claim, dismiss] = [
      found.find((row) => row.location.endsWith(`:${portA}`)),
      found.find((row) => row.location.endsWith(`:${portB}`)),
    ];
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/discovered`);
    await page.getByLabel('Search').fill(`ops-`);
    await page.locator(`tr[data-id="${claim.id}"]`).waitFor();
    await screenshot(page, 'discovered');
    await page.locator(`tr[data-id="${claim.id}"]`).getByRole('button', { name: 'Claim' }).click();
    await page.locator(`tr[data-id="${dismiss.id}"]`).getByRole('button', { name: 'Dismiss' }).click();
    const settled = await waitFor(
      async () => {
        const [a, b] = await Promise.all([claim, dismiss].map((row) => api('GET', `/api/v1/discovered-certificates/${row.id}`)));
        return a.body.status === 'managed' && b.body.status === 'dismissed' ? a.body : undefined;
      },
      15000,
      'claimed and dismissed',
    );
    expect(settled.managed_certificate_id).toEqual(expect.any(String));

    const check = await api('POST', '/api/v1/health-checks', {
      body: { name: `ops-hc-${suffix}`, host: '127.0.0.1', port: portA, interval_seconds: 30, timeout_ms: 2000, enabled: false },
    });
    expect(check.status).toBe(201);
    await page.goto(`${baseUrl()}/endpoint-health`);
    const row = page.locator(`tr[data-id="${check.body.id}"]`);
    await row.getByRole('button', { name: 'Check now' }).click();
    await row.getByText('healthy').waitFor();
    await row.getByRole('button', { name: `History of ops-hc-${suffix}` }).click();
    await page.getByRole('cell', { name: 'ok', exact: true }).waitFor();
    await screenshot(page, 'health');
    await page.close();
  }, 90000);

  it('shows a viewer the operational pages without a single write control, and explains the admin-only one', async () => {
    const viewer = await createKey('viewer', 'viewer');
    const page = await signedIn(viewer.key, 390); // phone width
    const writes = /Requeue|Disable|Enable|Send test|Create|Delete|Claim|Dismiss|Check now/;
    await page.goto(`${baseUrl()}/notifications`);
    await page.getByRole('tab', { name: 'Dead letters' }).click();
    await page
      .getByText(/No dead notifications|ECONNREFUSED|Event/)
      .first()
      .waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    await screenshot(page, 'phone-notifications');
    expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(390); // tables scroll inside, the page does not
    await page.getByRole('tab', { name: 'Channels' }).click();
    await page.getByRole('rowheader').first().waitFor();
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    await page.goto(`${baseUrl()}/acme-admin`);
    await page.getByRole('tab', { name: 'Accounts' }).waitFor();
    expect(await page.getByRole('tab', { name: 'EAB keys' }).count()).toBe(0);
    for (const path of ['/discovered', '/endpoint-health', '/audit']) {
      await page.goto(`${baseUrl()}${path}`);
      await page.locator('h1').waitFor();
      await page.getByText('Loading…').waitFor({ state: 'detached' });
      expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    }
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    await page.goto(`${baseUrl()}/api-keys`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Not allowed for your role.*api_keys:manage/);
    expect(await page.getByRole('button', { name: writes }).count()).toBe(0);
    await page.close();
  }, 60000);
});
