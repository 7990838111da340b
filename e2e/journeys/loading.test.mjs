// Loading pages on demand (issue 11): the first screen downloads the main module (the shell and
// the project center, a signed-in person's start page), not every area of the app; other pages' code arrives when they are opened; and a page
// whose code cannot be fetched says so and leaves the app running. Writes what the first screens
// downloaded to e2e/artifacts/loading/sizes.json (scripts/bench.sh reports it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ADMIN, startServer } from '../lib/server.mjs';
import { launch, person, shot, signIn } from '../lib/browser.mjs';

const J = 'loading';
let server;
let chromium;
const sizes = {};

before(async () => {
  server = await startServer();
  chromium = await launch();
});

after(async () => {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts', J);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
  await chromium?.close();
  await server?.stop();
});

/**
 * Records every /assets file the page fetches from now on; `done()` waits for their bodies and
 * answers name → gzip -9 size.
 */
function recordAssets(page) {
  const pending = [];
  const seen = new Map();
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/assets/')) return;
    const name = url.pathname.replace(/^.*\//, '');
    pending.push(r.body().then(
      (body) => seen.set(name, zlib.gzipSync(body, { level: 9 }).length),
      // The page moved on before the body arrived: it was not needed for this screen.
      () => {},
    ));
  });
  return {
    async done() {
      await page.waitForLoadState('networkidle');
      await Promise.all(pending);
      return seen;
    },
  };
}

const kib = (m) => Math.ceil([...m.values()].reduce((a, b) => a + b, 0) / 1024);
const pageModules = (m) => [...m.keys()].filter((f) => f.startsWith('split___')).map((f) => f.replace(/^split___(.*)_view_.*$/, '$1'));

test('the start page needs only the main module, sign-in its own page, other pages arrive on demand', async () => {
  const page = await person(chromium.browser, server.base);
  const signInScreen = recordAssets(page);
  await page.goto('/login');
  await page.waitForSelector('#login');
  const signInFiles = await signInScreen.done();
  assert.deepEqual(pageModules(signInFiles), ['login']);
  sizes.sign_in_kib = kib(signInFiles);

  await page.fill('#login', ADMIN.email);
  await page.fill('#password', ADMIN.password);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto('/projects');
  await page.waitForLoadState('networkidle');

  // A fresh tab on the start page of a signed-in person: what they wait for each morning.
  const first = recordAssets(page);
  await page.reload();
  await page.waitForSelector('main h1');
  const firstFiles = await first.done();
  // The project center is in the main module: nothing on top of it.
  assert.deepEqual(pageModules(firstFiles), []);
  assert.ok(firstFiles.has('tandem-web_bg.wasm'));
  sizes.first_screen_kib = kib(firstFiles);
  sizes.first_screen_files = firstFiles.size;

  // Another page's code comes when it is opened, without a reload.
  const later = recordAssets(page);
  await page.click('a[href="/people"]');
  await page.waitForURL('**/people');
  await page.waitForSelector('main h1');
  const laterFiles = await later.done();
  assert.deepEqual(pageModules(laterFiles), ['directory']);
  assert.ok(!laterFiles.has('tandem-web_bg.wasm'), 'the main module is not fetched again');
  sizes.people_page_kib = kib(laterFiles);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a page whose code cannot be fetched says so, and the app keeps running', async () => {
  const page = await person(chromium.browser, server.base);
  await signIn(page, ADMIN.email, ADMIN.password);

  let refused = 0;
  await page.route('**/split___audit_view_*.wasm', (route) => {
    refused += 1;
    return route.abort('internetdisconnected');
  });
  await page.goto('/projects');
  await page.waitForSelector('main h1');
  await page.click('a[href="/admin/audit"]');
  const note = page.locator('#load-failed');
  await note.waitFor({ timeout: 20_000 });
  assert.equal(refused, 6, 'one try and five retries');
  await shot(page, J, 'load-failed');
  // Still alive: another page opens.
  await page.click('a[href="/people"]');
  await page.waitForURL('**/people');
  await page.waitForSelector('main h1');

  // The connection is back: reloading from the note opens the page.
  await page.unroute('**/split___audit_view_*.wasm');
  await page.goto('/admin/audit');
  await page.waitForSelector('main h1');
  assert.equal(await note.count(), 0);
  assert.deepEqual(page.errors.filter((e) => !/could not load a part of the app|ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await page.context().close();
});
