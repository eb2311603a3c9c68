import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { insertCertificates } from './certificate-fixtures';
import { adminPrincipal, baseUrl, createCertificate, createKey, screenshot, signedIn, useBrowser, waitStatus } from './browser';
import { readState } from './e2e-env';
import { api, auditRows, expectProblem } from './http';

/**
 * The dashboard's configuration pages in Chromium (apps/web): the issuer tree, detail and Test;
 * profiles, policies, owners and teams with forms generated from the API's body schemas and the
 * API's field errors beside the fields (targets: dashboard-targets.e2e-spec.ts); what a viewer does not see; and the certificates
 * page over 1,000 certificates (profile filter on the server, paging, first-page time) and a bulk
 * renewal of 50 followed to 50/50. Writes docs/images/dashboard-<page>.png.
 */
const run = Date.now().toString(36);
const PROFILE = `prof-dash-${run}`;
const SEEDED = 1000;
useBrowser();

/**
 * Fixture: 1,000 certificates of one profile inserted directly (no bulk-create route exists; issuing
 * them is not what is tested), expiring in over a year so they crowd no other suite's expiring lists.
 */
async function seedCertificates() {
  const created = await api('POST', '/api/v1/profiles', { body: { id: PROFILE, name: `Dashboard paging ${run}` } });
  expect(created.status).toBe(201);
  await insertCertificates({ prefix: `dash-${run}`, count: SEEDED, profileId: PROFILE });
}

beforeAll(seedCertificates, 60000);

/** Waits until a configuration page has its list and its OpenAPI document (write controls are decided then). */
async function openConfigPage(page: Page, path: string) {
  await page.goto(`${baseUrl()}${path}`);
  await page.locator('section[data-ready="true"]').waitFor();
}

/** Opens a configuration page and its create form (`New <singular>`). */
async function openNewForm(page: Page, path: string, singular: string) {
  await openConfigPage(page, path);
  await page.getByRole('button', { name: `New ${singular}` }).click();
}

/**
 * Waits until the certificates page shows `pager` with no request in flight (aria-busy), both at
 * once: while a new filter's page loads, the previous rows stay on screen (placeholder data), so the
 * pager alone can still show the old count.
 */
async function settled(page: Page, pager: string) {
  await page.locator('section[aria-busy="false"]', { has: page.getByText(pager, { exact: true }) }).waitFor();
}

describe('the API behind the configuration pages', () => {
  it('filters the certificates list by profile_id on the server, across cursor pages; a bad id is a 422', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const query: string = `profile_id=${PROFILE}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const r = await api('GET', `/api/v1/certificates?${query}`);
      expect(r.status).toBe(200);
      for (const row of r.body.data as { id: string; profile_id: string }[]) {
        expect(row.profile_id).toBe(PROFILE);
        seen.add(row.id);
      }
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen.size).toBe(SEEDED);
    const none = await api('GET', '/api/v1/certificates?profile_id=no-such-profile');
    expect(none.body.data).toEqual([]);
    const bad = await api('GET', '/api/v1/certificates?profile_id=bad%20id');
    expectProblem(bad, 422);
    expect(bad.body.errors[0].field).toMatch(/profile_id/);
  });
});

describe('the configuration pages in Chromium', () => {
  it('shows the issuer tree root → intermediate → issuing CA and connectors, and the detail page tests an issuer', async () => {
    const create = async (body: Record<string, unknown>) => {
      const r = await api('POST', '/api/v1/issuers', { body });
      expect({ status: r.status, body: r.body }).toMatchObject({ status: 201 });
      return r.body as { id: string };
    };
    const root = await create({ type: 'local', name: `Dash Root ${run}`, path_length: 2 });
    const mid = await create({ type: 'local', name: `Dash Intermediate ${run}`, parent_id: root.id, path_length: 1 });
    const issuing = await create({ type: 'local', name: `Dash Issuing ${run}`, parent_id: mid.id, path_length: 0 });
    const script = await create({
      type: 'script',
      name: `Dash Script ${run}`,
      // Only executables in CERTCTL_SCRIPT_CONNECTOR_DIRS (the issuance test fixtures) may run.
      config: {
        executable: join(ROOT, 'apps', 'issuance', 'test', 'fixtures', 'misbehave.sh'),
        args: ['fail'],
        env: { TOKEN: `secret-${run}` },
      },
    });
    await createCertificate(`dash-issued-${run}`, { issuer_id: issuing.id });

    const page = await signedIn(readState().adminKey);
    await page.getByRole('link', { name: 'Issuers', exact: true }).click();
    const rootItem = page.locator(`li[data-issuer="${root.id}"]`);
    await rootItem.waitFor();
    expect(await rootItem.getAttribute('data-role')).toBe('root');
    const midItem = rootItem.locator(`li[data-issuer="${mid.id}"]`);
    expect(await midItem.getAttribute('data-role')).toBe('intermediate');
    expect(await midItem.locator(`li[data-issuer="${issuing.id}"]`).getAttribute('data-role')).toBe('issuing CA');
    expect(await page.locator(`li[data-issuer="${script.id}"]`).getAttribute('data-role')).toBe('connector');
    await screenshot(page, 'issuers');

    await page.getByRole('link', { name: `Dash Issuing ${run}` }).click();
    const chain = page.getByRole('list', { name: 'Chain from the root' });
    await chain.waitFor();
    await expect(chain.getByRole('listitem').allTextContents()).resolves.toEqual([
      `Dash Root ${run}`,
      `Dash Intermediate ${run}`,
      `Dash Issuing ${run}`,
    ]);
    await page.getByTestId('issuer-certificates').getByRole('link', { name: '1' }).waitFor();
    await page.getByRole('button', { name: 'Test' }).click();
    await expect(page.getByTestId('issuer-test-result').textContent()).resolves.toMatch(/^Healthy in \d+ ms/);
    await screenshot(page, 'issuer');
    const rows = await auditRows('issuer.test', issuing.id);
    expect(rows[0]).toMatchObject({ actor: await adminPrincipal(), status: 200 });

    await page.goto(`${baseUrl()}/issuers/${script.id}`);
    const config = page.getByTestId('issuer-config');
    await config.waitFor();
    const text = (await config.textContent()) ?? '';
    expect(text).toContain('********');
    expect(text).not.toContain(`secret-${run}`);
    await page.close();
  });

  it('creates a profile, an owner and a team through the forms and lists them; edits and deletes the team', async () => {
    const page = await signedIn(readState().adminKey);
    await openNewForm(page, '/profiles', 'profile');
    await page.getByLabel(/^Name/).fill(`Web servers ${run}`);
    await page.getByLabel(/^Max validity days/).fill('90');
    await page.getByLabel('clientAuth').check();
    await screenshot(page, 'profile-form');
    await page.getByRole('button', { name: 'Create profile' }).click();
    const profileRow = page.locator('tbody tr', { hasText: `Web servers ${run}` });
    await profileRow.waitFor();
    const profileId = (await profileRow.locator('code').textContent())!;
    expect((await api('GET', `/api/v1/profiles/${profileId}`)).body).toMatchObject({
      max_validity_days: 90,
      ekus: ['serverAuth', 'clientAuth'],
    });
    await screenshot(page, 'profiles');

    await page.getByRole('link', { name: 'Teams', exact: true }).click();
    await page.locator('section[data-ready="true"]').waitFor();
    await page.getByRole('button', { name: 'New team' }).click();
    await page.getByLabel(/^Id/).fill(`t-dash-${run}`);
    await page.getByLabel(/^Name/).fill(`Payments ${run}`);
    await page.getByLabel(/^Description/).fill('owns the checkout');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.locator(`tr[data-id="t-dash-${run}"]`).waitFor();
    await screenshot(page, 'teams');

    await openNewForm(page, '/owners', 'owner');
    await page.getByLabel(/^Name/).fill(`Dana ${run}`);
    await page.getByLabel(/^Email/).fill(`dana-${run}@example.com`);
    await page.getByLabel(/^Team id/).fill(`t-dash-${run}`);
    await page.getByRole('button', { name: 'Create owner' }).click();
    const ownerRow = page.locator('tbody tr', { hasText: `Dana ${run}` });
    await ownerRow.waitFor();
    await expect(ownerRow.textContent()).resolves.toContain(`t-dash-${run}`);
    await screenshot(page, 'owners');
    const ownerId = (await ownerRow.locator('code').textContent())!;
    const created = await auditRows('owner.create', ownerId);
    expect(created[0]).toMatchObject({ actor: await adminPrincipal(), status: 201 });

    await openConfigPage(page, '/teams');
    await page.getByRole('button', { name: `Edit Payments ${run}` }).click();
    await page.getByLabel(/^Description/).fill('owns checkout and refunds');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator(`tr[data-id="t-dash-${run}"]`, { hasText: 'owns checkout and refunds' }).waitFor();
    // The owner still names the team: the API refuses the delete (409) and the page says so.
    await page.getByRole('button', { name: `Delete Payments ${run}` }).click();
    await page.getByRole('alert').waitFor();
    expect((await api('GET', `/api/v1/teams/t-dash-${run}`)).status).toBe(200);
    expect((await api('DELETE', `/api/v1/owners/${ownerId}`)).status).toBe(204);
    await page.reload();
    await page.locator('section[data-ready="true"]').waitFor();
    await page.getByRole('button', { name: `Delete Payments ${run}` }).click();
    await page.locator(`tr[data-id="t-dash-${run}"]`).waitFor({ state: 'detached' });
    expect((await api('GET', `/api/v1/teams/t-dash-${run}`)).status).toBe(404);
    await page.close();
  });

  it('shows the API’s field errors next to the fields: an owner’s email, a policy’s renewal fraction', async () => {
    const page = await signedIn(readState().adminKey);
    await openNewForm(page, '/owners', 'owner');
    await page.getByLabel(/^Name/).fill(`Bad email ${run}`);
    await page.getByLabel(/^Email/).fill('not-an-email');
    await page.getByRole('button', { name: 'Create owner' }).click();
    const emailError = page.locator('[data-field="email"] .field-error');
    await emailError.waitFor();
    expect(await page.getByLabel(/^Email/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-field="name"] .field-error').count()).toBe(0);

    await openNewForm(page, '/renewal-policies', 'renewal policy');
    await page.getByLabel(/^Name/).fill(`Too eager ${run}`);
    await page.getByLabel(/^Renew before fraction/).fill('0.95');
    await page.getByRole('button', { name: 'Create renewal policy' }).click();
    const fractionError = page.locator('[data-field="renew_before_fraction"] .field-error');
    await fractionError.waitFor();
    await expect(fractionError.textContent()).resolves.toMatch(/use at most 0.8/);
    await screenshot(page, 'form-error');
    await page.close();
  });

  it('shows a viewer the configuration pages without a single write control', async () => {
    // Every page below has a row even when this file runs alone: a free-form target of its own.
    const target = await api('POST', '/api/v1/targets', { body: { name: `viewer-sees-${run}`, type: 'f5', config: {} } });
    expect({ status: target.status, body: target.body }).toMatchObject({ status: 201 });
    const viewer = await createKey('config-viewer', 'viewer', run);
    const page = await signedIn(viewer.key);
    for (const path of ['/profiles', '/renewal-policies', '/owners', '/teams', '/targets']) {
      await openConfigPage(page, path);
      expect(await page.locator('tbody tr[data-id]').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: /^(New|Edit|Delete)/ }).count()).toBe(0);
    }
    await page.goto(`${baseUrl()}/issuers/iss-local`);
    await page.getByRole('heading', { name: 'Chain' }).waitFor();
    expect(await page.getByRole('button', { name: 'Test' }).count()).toBe(0);
    await page.close();
    expect((await api('DELETE', `/api/v1/targets/${target.body.id}`)).status).toBe(204);
  });
});

describe('the certificates page at scale in Chromium', () => {
  it('filters 1,000 certificates by profile on the server and pages through them; times the first page', async () => {
    const page = await signedIn(readState().adminKey);
    const listCalls: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/certificates') listCalls.push(url);
    });
    const started = Date.now();
    await page.goto(`${baseUrl()}/certificates`);
    await page.locator('tbody tr[data-id]').first().waitFor();
    const firstPageMs = Date.now() - started;
    console.log(`[dashboard] certificates page (≥ ${SEEDED} certificates) first page rendered in ${firstPageMs} ms`);

    await page.getByRole('combobox', { name: 'Profile' }).selectOption(PROFILE);
    await page.getByRole('combobox', { name: 'Sort' }).selectOption('name');
    const first = page.locator(`tbody tr[data-id="cert-dash-${run}-0001"]`);
    await first.waitFor();
    const seen = new Set<string>();
    for (let pageNumber = 1; pageNumber <= 4; pageNumber++) {
      await settled(page, `Page ${pageNumber} · 50 shown`);
      const ids = await page.locator('tbody tr[data-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')!));
      expect(ids).toHaveLength(50);
      expect(ids[0]).toBe(`cert-dash-${run}-${String((pageNumber - 1) * 50 + 1).padStart(4, '0')}`);
      for (const id of ids) seen.add(id);
      if (pageNumber < 4) await page.getByRole('button', { name: 'Next' }).click();
    }
    expect(seen.size).toBe(200);
    expect(listCalls.some((url) => url.searchParams.get('profile_id') === PROFILE)).toBe(true);

    const expiringCall = page.waitForRequest((request) => request.url().includes('expires_before='));
    await page.getByRole('combobox', { name: 'Expiring within' }).selectOption('7');
    const expiring = new URL((await expiringCall).url());
    expect(expiring.searchParams.get('profile_id')).toBe(PROFILE);
    // The fixture's certificates all expire in over a year: the server answers none of them.
    await settled(page, 'Page 1 · 0 shown');
    expect(await page.locator('tbody tr[data-id]').count()).toBe(0);

    // The column choice stays in this tab across a reload.
    await page.getByText('Columns', { exact: true }).click();
    await page.getByRole('checkbox', { name: 'Profile' }).check();
    await page.reload();
    await page.locator('tbody tr[data-id]').first().waitFor();
    await page.getByRole('columnheader', { name: 'Profile' }).waitFor();
    await page.close();
  });

  it('bulk renews 50 certificates with the progress view reaching 50 of 50', async () => {
    const prefix = `dash-fifty-${run}`;
    const certs: { id: string }[] = [];
    // One at a time: parallel creates on a busy machine can outlast the gateway's bus timeout.
    for (let index = 0; index < 50; index++) certs.push(await createCertificate(`${prefix}-${index}`));
    for (const cert of certs) await waitStatus(cert.id, 'active', 180000);
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/certificates`);
    await page.getByLabel('Search').fill(prefix);
    await settled(page, 'Page 1 · 50 shown');
    await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
    await page.locator('.bulk', { hasText: '50 selected' }).waitFor();
    await page.getByRole('button', { name: 'Renew selected' }).click();
    const progress = page.getByTestId('renew-progress');
    await progress.waitFor();
    await page.getByTestId('renew-done').filter({ hasText: /^50$/ }).waitFor({ timeout: 240000 });
    await expect(progress.textContent()).resolves.toMatch(/50 of 50 completed, 0 failed — finished\./);
    await screenshot(page, 'bulk-renew');
    await page.close();
  }, 480000);
});
