import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, signedIn as signedInAs } from './browser';
import { gatewayUrl, readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

/**
 * The dashboard (apps/web, served by the gateway at /) in Debian's Chromium driven by
 * playwright-core (tools/web/install-chromium.sh): sign-in, the certificates table, bulk
 * renewal with its progress view, approvals and the two-person rule, revocation with a
 * reason, and what a viewer does not see. Writes docs/images/dashboard-<page>.png.
 */
const suffix = Date.now().toString(36);
let browser: Browser;
let base: string;

async function createKey(name: string, role: string) {
  const r = await api('POST', '/api/v1/api-keys', { body: { name: `dash-${name}-${suffix}`, role } });
  expect(r.status).toBe(201);
  return r.body as { id: string; key: string; principal: string };
}

async function createCertificate(name: string, extra: Record<string, unknown> = {}, key?: string) {
  const r = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(name), ...extra }, key });
  expect(r.status).toBe(201);
  return r.body as { id: string; job_id: string };
}

async function waitStatus(id: string, status: string) {
  return waitFor(
    async () => {
      const r = await api('GET', `/api/v1/certificates/${id}`);
      return r.body.status === status ? r.body : undefined;
    },
    60000,
    `certificate ${id} ${status}`,
  );
}

/** A page signed in with the key; `remember` keeps it in the tab so page.goto (a reload) stays signed in. */
const signedIn = (key: string, remember = true): Promise<Page> => signedInAs(browser, base, key, { remember });

beforeAll(async () => {
  base = gatewayUrl(readState());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the dashboard served by the gateway', () => {
  it('serves index.html uncached, hashed assets immutable, and the SPA fallback only outside the API', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect({ status: js.status, type: js.headers.get('content-type'), cache: js.headers.get('cache-control') }).toEqual({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      cache: 'public, max-age=31536000, immutable',
    });
    expect(await (await fetch(`${base}/certificates/anything`)).text()).toBe(html);
    const apiMiss = await fetch(`${base}/api/v1/no-such-route`);
    expect({ status: apiMiss.status, type: apiMiss.headers.get('content-type') }).toEqual({
      status: 404,
      type: expect.stringContaining('application/problem+json'),
    });
  });

  it('GET /api/v1/auth/whoami names the key and its role; a wrong key is a 401', async () => {
    const viewer = await createKey('whoami', 'viewer');
    const me = await api('GET', '/api/v1/auth/whoami', { key: viewer.key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ key_id: viewer.id, principal: viewer.principal, role: 'viewer', agent_id: null });
    expect(me.body.permissions).toContain('certificates:read');
    expect(me.body.permissions).not.toContain('certificates:write');
    expect((await api('GET', '/api/v1/auth/whoami', { key: 'cck_' + 'y'.repeat(43) })).status).toBe(401);
  });
});

describe('the dashboard in Chromium', () => {
  it('refuses a wrong key with a message', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${base}/`);
    await screenshot(page, 'sign-in');
    await page.getByLabel('API key').fill('cck_' + 'z'.repeat(43));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/API key was refused/);
    expect(await page.getByTestId('who').count()).toBe(0);
    await page.close();
  });

  it('signs in, shows a new certificate Active in the table, filters it, and times the first page', async () => {
    const cert = await createCertificate(`dash-${suffix}`);
    await waitStatus(cert.id, 'active');
    const page = await signedIn(readState().adminKey, false);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('Jobs succeeded and failed per day').waitFor();
    await screenshot(page, 'overview');

    const started = Date.now();
    await page.getByRole('link', { name: 'Certificates', exact: true }).click();
    await page.locator('tbody tr[data-id]').first().waitFor();
    console.log(`[dashboard] certificates table first page rendered in ${Date.now() - started} ms`);

    await page.getByLabel('Search').fill(`dash-${suffix}`);
    const row = page.locator(`tr[data-id="${cert.id}"]`);
    await row.waitFor();
    await expect(row.getByText('active').textContent()).resolves.toBe('active');
    await page.getByRole('combobox', { name: 'Status' }).selectOption('revoked');
    await row.waitFor({ state: 'detached' });
    await page.getByRole('combobox', { name: 'Status' }).selectOption('active');
    await row.waitFor();
    await screenshot(page, 'certificates');
    // The key was kept in memory only: a reload asks for it again.
    await page.reload();
    await page.getByLabel('API key').waitFor();
    expect(await page.getByTestId('who').count()).toBe(0);
    await page.close();
  });

  it('bulk renews the selected certificates and follows them in the progress view', async () => {
    const prefix = `dash-bulk-${suffix}`;
    const certs = [];
    for (let index = 0; index < 3; index++) certs.push(await createCertificate(`${prefix}-${index}`));
    for (const cert of certs) await waitStatus(cert.id, 'active');
    const page = await signedIn(readState().adminKey);
    await page.goto(`${base}/certificates`);
    await page.getByLabel('Search').fill(prefix);
    await page.locator(`tr[data-id="${certs[2].id}"]`).waitFor();
    await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
    await page.getByRole('button', { name: 'Renew selected' }).click();
    const progress = page.getByTestId('renew-progress');
    await progress.waitFor();
    await page.getByTestId('renew-done').filter({ hasText: '3' }).waitFor({ timeout: 60000 });
    await expect(progress.textContent()).resolves.toMatch(/3 of 3 completed, 0 failed — finished\./);
  });

  it('approves a held job as a second person after the requester is refused by the two-person rule', async () => {
    const profile = await api('POST', '/api/v1/profiles', { body: { name: `dash-approval-${suffix}`, requires_approval: true } });
    expect(profile.status).toBe(201);
    const requester = await createKey('requester', 'operator');
    const approver = await createKey('approver', 'operator');
    const held = await createCertificate(`dash-held-${suffix}`, { profile_id: profile.body.id }, requester.key);

    const own = await signedIn(requester.key);
    await own.goto(`${base}/jobs`);
    const ownRow = own.getByRole('region', { name: 'Approval queue' }).locator(`tr[data-id="${held.job_id}"]`);
    await ownRow.getByRole('button', { name: 'Approve' }).click();
    await expect(ownRow.getByTestId('two-person').textContent()).resolves.toMatch(/Two-person rule/);
    await own.close();

    const page = await signedIn(approver.key);
    await page.goto(`${base}/jobs`);
    const row = page.getByRole('region', { name: 'Approval queue' }).locator(`tr[data-id="${held.job_id}"]`);
    await screenshot(page, 'jobs');
    await row.getByLabel('Reason').fill('change ticket 7');
    await row.getByRole('button', { name: 'Approve' }).click();
    const job = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/jobs/${held.job_id}`);
        return r.body.decided_by ? r.body : undefined;
      },
      20000,
      'job decided',
    );
    expect(job).toMatchObject({ decided_by: approver.principal, decision_reason: 'change ticket 7' });
    await waitStatus(held.id, 'active');
    await page.close();
  });

  it('revokes a certificate with the chosen reason from its detail page', async () => {
    const cert = await createCertificate(`dash-revoke-${suffix}`);
    await waitStatus(cert.id, 'active');
    const page = await signedIn(readState().adminKey);
    await page.goto(`${base}/certificates/${cert.id}`);
    await page.getByText('BEGIN CERTIFICATE').first().waitFor();
    await screenshot(page, 'certificate');
    await page.getByLabel('Revocation reason').selectOption('keyCompromise');
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('Revoked (keyCompromise).').waitFor();
    await waitStatus(cert.id, 'revoked');
    await page.close();
  });

  it('shows a viewer every page without a single write control', async () => {
    const viewer = await createKey('viewer', 'viewer');
    const cert = await createCertificate(`dash-viewer-${suffix}`);
    await waitStatus(cert.id, 'active');
    const page = await signedIn(viewer.key);
    await expect(page.getByTestId('who').textContent()).resolves.toMatch(/viewer$/);
    await page.goto(`${base}/certificates`);
    await page.getByLabel('Search').fill(`dash-viewer-${suffix}`);
    await page.locator(`tr[data-id="${cert.id}"]`).waitFor();
    expect(await page.getByRole('checkbox', { name: /^Select/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Renew|Revoke/ }).count()).toBe(0);
    await page.getByRole('link', { name: `dash-viewer-${suffix}` }).click();
    await page.getByRole('heading', { name: 'Versions' }).waitFor();
    expect(await page.getByRole('button', { name: /Renew|Revoke/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('heading', { name: 'All jobs' }).waitFor();
    expect(await page.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await screenshot(page, 'agents');
    await page.close();
  });
});
