import { adminPrincipal, baseUrl, createKey, rowId, screenshot, signedIn, useBrowser } from './browser';
import { readState } from './e2e-env';
import { api, auditRows } from './http';

/**
 * Deployment targets in the dashboard (apps/web): the New/Edit target forms show the fields of the
 * chosen type's config, from GET /api/v1/target-types (the schemas the API validates targets with
 * and the agent deploys with), and the API's refusal of a config field under that field.
 * Writes docs/images/dashboard-targets.png and dashboard-target-form.png.
 */
const run = Date.now().toString(36);
const created: string[] = [];
useBrowser();

afterAll(async () => {
  for (const id of created) await api('DELETE', `/api/v1/targets/${id}`);
});

describe('GET /api/v1/target-types', () => {
  it('answers every target type with its config as JSON Schema, secrets writeOnly, free-form types marked, to any reader', async () => {
    const viewer = await createKey('target-types-viewer', 'viewer', run);
    const r = await api('GET', '/api/v1/target-types', { key: viewer.key });
    expect(r.status).toBe(200);
    const byType = Object.fromEntries((r.body.data as { type: string; config_schema: object }[]).map((entry) => [entry.type, entry]));
    expect(byType.nginx).toMatchObject({
      free_form: false,
      secret_fields: [],
      config_schema: {
        type: 'object',
        required: ['cert_path', 'key_path', 'verify'],
        properties: { chain_in_cert: { type: 'boolean', default: true }, verify: { required: ['port'] } },
      },
    });
    expect(byType.keystore).toMatchObject({
      secret_fields: ['password_env'],
      config_schema: { properties: { password_env: { writeOnly: true } } },
    });
    expect(byType.caddy.config_schema).toHaveProperty('oneOf');
    expect(byType.f5).toMatchObject({ free_form: true, config_schema: { type: 'object' } });
    expect((await api('GET', '/api/v1/target-types', { key: 'cck_' + 'q'.repeat(43) })).status).toBe(401);
  });
});

describe('deployment targets in Chromium', () => {
  it("creates an nginx target through its type's fields, after the API's refusal of a field is shown under it, and edits it", async () => {
    const page = await signedIn(readState().adminKey);
    await page.goto(`${baseUrl()}/targets`);
    await page.locator('section[data-ready="true"]').waitFor();
    await page.getByRole('button', { name: 'New target' }).click();
    const form = page.getByRole('region', { name: 'New target' });
    await form.getByLabel(/^Type/).selectOption('nginx');
    // The nginx config schema's own inputs, its defaults filled in, instead of one JSON box.
    await form.getByRole('group', { name: 'Config' }).waitFor();
    expect(await form.getByLabel(/^Config \(JSON\)/).count()).toBe(0);
    await expect(form.getByLabel(/^Nginx binary/).inputValue()).resolves.toBe('/usr/sbin/nginx');
    const name = `edge-nginx-${run}`;
    await form.getByLabel(/^Name/).fill(name);
    await form.getByLabel(/^Cert path/).fill('tls/site.crt');
    await form.getByLabel(/^Key path/).fill('/etc/nginx/tls/site.key');
    await form.getByLabel(/^Port/).fill('443');
    await form.getByRole('button', { name: 'Create target' }).click();
    // The API's 422 names config.cert_path: shown under that field, which is marked invalid.
    const error = form.locator('[data-field="config.cert_path"] .field-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toBe('must be an absolute path');
    await expect(form.getByLabel(/^Cert path/).getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot(page, 'target-form');

    await form.getByLabel(/^Cert path/).fill('/etc/nginx/tls/site.crt');
    await form.getByRole('button', { name: 'Create target' }).click();
    const id = await rowId(page, name);
    created.push(id);
    await expect(page.locator(`tr[data-id="${id}"]`).textContent()).resolves.toContain('nginx');
    await screenshot(page, 'targets');
    expect((await api('GET', `/api/v1/targets/${id}`)).body).toMatchObject({
      type: 'nginx',
      config: { cert_path: '/etc/nginx/tls/site.crt', key_path: '/etc/nginx/tls/site.key', chain_in_cert: true, verify: { port: 443 } },
    });
    expect((await auditRows('target.create', id))[0]).toMatchObject({ actor: await adminPrincipal(), status: 201 });

    await page.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('region', { name: `Edit ${name}` });
    await expect(edit.getByLabel(/^Cert path/).inputValue()).resolves.toBe('/etc/nginx/tls/site.crt');
    await edit.getByLabel(/^Port/).fill('8443');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    expect((await api('GET', `/api/v1/targets/${id}`)).body.config.verify).toMatchObject({ port: 8443 });
    expect((await auditRows('target.update', id))[0]).toMatchObject({ actor: await adminPrincipal(), status: 200 });
    await page.close();
  });
});
