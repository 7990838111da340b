// Debian's Chromium driven by playwright-core: nothing is downloaded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // playwright gives every launch a fresh, throw-away profile directory.
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** A fresh browser context (its own storage: one person) whose page fails the test on script errors. */
export async function person(browser, base, { locale = 'en-US' } = {}) {
  const context = await browser.newContext({ baseURL: base, viewport: DESKTOP, locale, timezoneId: 'Asia/Shanghai' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.errors.push(m.text()); });
  page.setDefaultTimeout(10_000);
  return page;
}

/** Signs in through the login form and waits until the app has left it. */
export async function signIn(page, login, password) {
  await page.goto('/login');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Saves the page at desktop and at phone width: e2e/artifacts/<journey>/<step>-{desktop,phone}.png */
export async function shot(page, journey, step) {
  const dir = path.join(artifacts, journey);
  fs.mkdirSync(dir, { recursive: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(dir, `${step}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(dir, `${step}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

/** A small valid PNG (the server re-encodes avatars, so any real image will do), in the
 * artifacts folder so that runs leave nothing in the system temp directory. */
export function avatarPng() {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, 'avatar-upload.png');
  // 8×8 red square.
  const b64 = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC';
  fs.writeFileSync(file, Buffer.from(b64, 'base64'));
  return file;
}

/** Answers the app's confirmation dialog (components/confirm.rs) that the last click opened:
 * checks it is announced and that focus starts on the safe button, then clicks `#confirm-ok`
 * (or `#confirm-cancel` when `ok` is false) and waits for it to close. */
export async function answerConfirm(page, { ok = true } = {}) {
  const dialog = page.locator('dialog.confirm[open]');
  await dialog.waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'confirm-cancel');
  const labelled = await dialog.evaluate((d) => document.getElementById(d.getAttribute('aria-labelledby'))?.textContent);
  if (!labelled) throw new Error('confirmation dialog without a title');
  await page.locator(ok ? '#confirm-ok' : '#confirm-cancel').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Picks an option of a searchable choice (components/combobox.rs) by typing part of its
 * label and clicking the option. */
export async function pick(page, id, typed, label = typed) {
  await page.fill(id, typed);
  await page.locator(`${id}-listbox [role=option]`, { hasText: label }).click();
  await page.locator(`${id}-listbox`).waitFor({ state: 'hidden' });
}
