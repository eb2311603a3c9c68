import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Where the browser tests write the dashboard screenshots that docs/dashboard.md shows. */
export const IMAGES = join(ROOT, 'docs', 'images');

/** Debian's Chromium (tools/web/install-chromium.sh) driven by playwright-core; no sandbox when run as root. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(IMAGES, { recursive: true });
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: root ? ['--no-sandbox'] : [] });
}

/**
 * A page signed in with the key; `remember` keeps it in the tab's sessionStorage so page.goto
 * (a reload) stays signed in. confirm() dialogs are accepted; downloads are allowed.
 */
export async function signedIn(browser: Browser, base: string, key: string, o: { remember?: boolean; width?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: o.width ?? 1280, height: 860 }, acceptDownloads: true });
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${base}/`);
  await page.getByLabel('API key').fill(key);
  if (o.remember ?? true) await page.getByLabel(/Remember in this tab/).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

/** docs/images/dashboard-<name>.png, the whole page. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(IMAGES, `dashboard-${name}.png`), fullPage: true });
}
