import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { type Browser, type Page, chromium } from 'playwright-core';
import { gatewayUrl, readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

/**
 * What the dashboard's browser tests share: Debian's Chromium driven by playwright-core
 * (tools/web/install-chromium.sh), signing in with a key, screenshots into docs/images/, and
 * the API fixtures they start from. Call `useBrowser()` at the top of a spec file.
 */
export const IMAGES = join(ROOT, 'docs', 'images');
const shared: { browser?: Browser; base: string } = { base: '' };

/** Launches Chromium before the file's tests and closes it after them. */
export function useBrowser(): void {
  beforeAll(async () => {
    mkdirSync(IMAGES, { recursive: true });
    shared.base = gatewayUrl(readState());
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    shared.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: root ? ['--no-sandbox'] : [] });
  });
  afterAll(async () => {
    await shared.browser?.close();
  });
}

/** The running browser (after useBrowser's beforeAll). */
export function browser(): Browser {
  if (!shared.browser) throw new Error('useBrowser() was not called in this spec file');
  return shared.browser;
}

/** The gateway's base URL, e.g. http://127.0.0.1:23080. */
export const baseUrl = (): string => shared.base;

export async function createKey(name: string, role: string, suffix: string) {
  const r = await api('POST', '/api/v1/api-keys', { body: { name: `dash-${name}-${suffix}`, role } });
  expect(r.status).toBe(201);
  return r.body as { id: string; key: string; principal: string };
}

export async function createCertificate(name: string, extra: Record<string, unknown> = {}, key?: string) {
  const r = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(name), ...extra }, key });
  expect(r.status).toBe(201);
  return r.body as { id: string; job_id: string };
}

export async function waitStatus(id: string, status: string, timeoutMs = 60000) {
  return waitFor(
    async () => {
      const r = await api('GET', `/api/v1/certificates/${id}`);
      return r.body.status === status ? r.body : undefined;
    },
    timeoutMs,
    `certificate ${id} ${status}`,
  );
}

/**
 * A page signed in with the key; `remember` keeps it in the tab's sessionStorage so page.goto
 * (a reload) stays signed in. confirm() dialogs are accepted; downloads are allowed.
 */
export async function signedIn(key: string, remember = true, width = 1280): Promise<Page> {
  const page = await browser().newPage({ viewport: { width, height: 860 }, acceptDownloads: true });
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${baseUrl()}/`);
  await page.getByLabel('API key').fill(key);
  if (remember) await page.getByLabel(/Remember in this tab/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

/** Writes docs/images/dashboard-<name>.png (the whole page). */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(IMAGES, `dashboard-${name}.png`), fullPage: true });
}

/** The principal of the admin key (what audit rows name as the actor). */
export const adminPrincipal = async (): Promise<string> => (await api('GET', '/api/v1/auth/whoami')).body.principal as string;

/** The id of the row named `name` once the list shows it. */
export async function rowId(page: Page, name: string): Promise<string> {
  const row = page.locator('tr[data-id]', { has: page.getByRole('rowheader', { name, exact: true }) });
  await row.waitFor();
  return (await row.getAttribute('data-id'))!;
}
