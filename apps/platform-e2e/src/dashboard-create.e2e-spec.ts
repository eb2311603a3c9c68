import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { adminPrincipal, baseUrl, createKey, rowId, screenshot, signedIn, useBrowser } from './browser';
import { readState } from './e2e-env';
import { api, auditRows, waitFor } from './http';

/**
 * Creating issuers, notification channels and notification rules in the dashboard (apps/web):
 * each form is generated from the create route's body schema in the gateway's OpenAPI document,
 * a Type list choosing the fields (an issuer's `oneOf` branch, a channel's type), credentials in
 * password inputs. A viewer sees no create button. Writes docs/images/dashboard-<page>.png.
 */
const run = Date.now().toString(36);
const TEAM = `t-dash-rules-${run}`;
const created: { channel?: string } = {};
useBrowser();

beforeAll(async () => {
  // The rule is scoped to a team with no certificates, so no other spec's events reach its channel.
  expect((await api('POST', '/api/v1/teams', { body: { id: TEAM, name: `Dashboard rules ${run}` } })).status).toBe(201);
});

afterAll(async () => {
  if (created.channel) await api('DELETE', `/api/v1/notification-channels/${created.channel}`);
  await api('DELETE', `/api/v1/teams/${TEAM}`);
});

describe('GET /api/v1/issuer-types', () => {
  it('answers each connector type with its config as JSON Schema, secrets writeOnly, to any reader', async () => {
    const viewer = await createKey('types-viewer', 'viewer', run);
    const r = await api('GET', '/api/v1/issuer-types', { key: viewer.key });
    expect(r.status).toBe(200);
    const byType = Object.fromEntries((r.body.data as { type: string }[]).map((entry) => [entry.type, entry]));
    expect(Object.keys(byType).sort()).toEqual(['acme', 'aws-acm-pca', 'script', 'stepca']);
    expect(byType.script).toMatchObject({
      secret_fields: ['env'],
      config_schema: { type: 'object', required: ['executable'], properties: { env: { writeOnly: true }, timeout_ms: { default: 30000 } } },
    });
    expect(byType.acme).toMatchObject({ config_schema: { properties: { eab: { writeOnly: true }, directory_url: { type: 'string' } } } });
    expect((await api('GET', '/api/v1/issuer-types', { key: 'cck_' + 'q'.repeat(43) })).status).toBe(401);
  });
});

describe('creating configuration from the dashboard in Chromium', () => {
  it('creates a script issuer through the form generated for its type and sees it in the issuer tree', async () => {
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/issuers`);
    await page.getByRole('button', { name: 'New issuer' }).click();
    const form = page.getByRole('region', { name: 'New issuer' });
    const type = form.getByLabel(/^Type/);
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe(await type.getAttribute('id'));
    // The local CA's own fields first; a connector type replaces them with its configuration.
    await form.getByLabel(/^Key algorithm/).waitFor();
    await type.selectOption('script');
    expect(await form.getByLabel(/^Key algorithm/).count()).toBe(0);
    const name = `Dash form script ${run}`;
    await form.getByLabel(/^Name/).fill(name);
    // The script connector's own config schema (GET /api/v1/issuer-types): one input per setting.
    await form.getByRole('group', { name: 'Config' }).waitFor();
    expect(await form.getByLabel(/^Config \(JSON\)/).count()).toBe(0);
    // Only executables in CERTCTL_SCRIPT_CONNECTOR_DIRS (the issuance test fixtures) may run.
    await form.getByLabel(/^Executable/).fill(join(ROOT, 'apps', 'issuance', 'test', 'fixtures', 'misbehave.sh'));
    await form.getByLabel(/^Args/).fill('fail');
    await expect(form.getByLabel(/^Timeout ms/).inputValue()).resolves.toBe('30000');
    await screenshot(page, 'issuer-form');
    await form.getByRole('button', { name: 'Create issuer' }).click();
    const item = page.locator('li[data-role="connector"]', { has: page.getByRole('link', { name, exact: true }) });
    await item.waitFor();
    const id = (await item.getAttribute('data-issuer'))!;
    expect(await page.getByRole('region', { name: 'New issuer' }).count()).toBe(0);
    const stored = await api('GET', `/api/v1/issuers/${id}`);
    expect(stored.body).toMatchObject({ id, name, type: 'script', config: { args: ['fail'], timeout_ms: 30000 } });
    expect((await auditRows('issuer.create', id))[0]).toMatchObject({ actor: await adminPrincipal(), status: 201 });
    await page.close();
  });

  it('shows the API’s refusal of a connector setting under its field', async () => {
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/issuers`);
    await page.getByRole('button', { name: 'New issuer' }).click();
    const form = page.getByRole('region', { name: 'New issuer' });
    await form.getByLabel(/^Type/).selectOption('script');
    await form.getByLabel(/^Name/).fill(`Dash form bad ${run}`);
    await form.getByLabel(/^Executable/).fill('/usr/bin/not-allowed');
    await form.getByRole('button', { name: 'Create issuer' }).click();
    // The API's 422 names config.executable: it is shown under that field, which is marked invalid.
    const error = form.locator('[data-field="config.executable"] .field-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toMatch(/CERTCTL_SCRIPT_CONNECTOR_DIRS/);
    await expect(form.getByLabel(/^Executable/).getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await page.getByRole('link', { name: `Dash form bad ${run}`, exact: true }).count()).toBe(0);
    await page.close();
  });

  it('creates a webhook channel (secret in a password input) and a rule routing to it, then deletes the rule', async () => {
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/notifications?tab=channels`);
    await page.getByRole('button', { name: 'New channel' }).click();
    const form = page.getByRole('region', { name: 'New channel' });
    await form.getByLabel(/^Type/).selectOption('webhook');
    const name = `dash-hook-${run}`;
    await form.getByLabel(/^Name/).fill(name);
    await form.getByLabel(/^Url/).fill('http://127.0.0.1:9/dashboard-hook');
    const secret = form.getByLabel(/^Secret/);
    await expect(secret.getAttribute('type')).resolves.toBe('password');
    await secret.fill(`hook-secret-${run}`);
    await screenshot(page, 'channel-form');
    await form.getByRole('button', { name: 'Create channel' }).click();
    created.channel = await rowId(page, name);
    const stored = await api('GET', `/api/v1/notification-channels/${created.channel}`);
    expect(stored.body).toMatchObject({ name, type: 'webhook', config: { url: expect.any(String) } });
    expect(JSON.stringify(stored.body)).not.toContain(`hook-secret-${run}`);
    expect((await auditRows('notification_channel.create', created.channel))[0]).toMatchObject({
      actor: await adminPrincipal(),
      status: 201,
    });

    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    const ruleForm = page.getByRole('region', { name: 'New rule' });
    const ruleName = `dash-rule-${run}`;
    await ruleForm.getByLabel(/^Name/).fill(ruleName);
    await ruleForm.getByLabel(/^Team id/).fill(TEAM);
    await ruleForm.getByLabel('certificate.revoked').check();
    await ruleForm.getByLabel(/^Channel ids/).fill(created.channel);
    await ruleForm.getByRole('button', { name: 'Create rule' }).click();
    const ruleId = await rowId(page, ruleName);
    const row = page.locator(`tr[data-id="${ruleId}"]`);
    await expect(row.textContent()).resolves.toContain(`team ${TEAM}`);
    await screenshot(page, 'rules');
    const rule = await api('GET', `/api/v1/notification-rules/${ruleId}`);
    expect(rule.body).toMatchObject({ team_id: TEAM, events: ['certificate.revoked'], channel_ids: [created.channel] });

    await row.getByRole('button', { name: 'Delete' }).click();
    await waitFor(async () => ((await page.locator(`tr[data-id="${ruleId}"]`).count()) === 0 ? true : undefined), 15000, 'the rule gone');
    expect((await api('GET', `/api/v1/notification-rules/${ruleId}`)).status).toBe(404);
    await page.close();
  });

  it('shows a viewer no create button on issuers, channels or rules', async () => {
    const viewer = await createKey('create-viewer', 'viewer', run);
    const page = await signedIn(viewer.key);
    // The create buttons are decided once the OpenAPI document is in: wait for it on each page.
    const openPage = async (path: string) => {
      const schemas = page.waitForResponse((response) => response.url().endsWith('/api/openapi.json') && response.ok());
      await page.goto(`${baseUrl()}${path}`);
      await schemas;
    };
    await openPage('/issuers');
    await page.locator('li[data-issuer]').first().waitFor();
    expect(await page.getByRole('button', { name: 'New issuer' }).count()).toBe(0);
    await openPage('/notifications?tab=channels');
    await page.locator(`tr[data-id="${created.channel}"]`).waitFor();
    expect(await page.getByRole('button', { name: /^New / }).count()).toBe(0);
    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.locator('[role="tabpanel"] table, [role="tabpanel"] p.muted').first().waitFor();
    expect(await page.getByRole('button', { name: /^(New |Delete)/ }).count()).toBe(0);
    await page.close();
  });
});
