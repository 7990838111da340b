// The file library in the web app (issue 13): files uploaded several at once by the picker and
// by dropping them, a name clash answered with a new version or "keep both"; previews of a
// picture, a PDF, a CSV table and source code; a new version with its note, two versions
// compared, an older one restored; a restricted folder that an outsider never sees while a
// department's grant is shown in words; a colleague's upload appearing without a reload; the
// trash with undo and restore, the quota; and a 64 MiB upload cut off at 60 % that goes on from
// where the server got to, not from the start.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { adminToken, api, day, startServer } from '../lib/server.mjs';
import { launch, person, pick, shot, signIn } from '../lib/browser.mjs';

const J = 'library';
const PASSWORD = 'a long enough password';
const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts', J);
let server;
let chromium;
let mei; // the project's administrator (English)
let tom; // an editor in 设计部 (简体中文)
let out; // a viewer in 市场部: sees the project, not its restricted folder (简体中文)
const users = {};
let project;
let design; // 设计部

// An 8×8 red PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC', 'base64');
// A one-page PDF.
const PDF = Buffer.from(`%PDF-1.4
1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj
2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj
3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources <<>>>> endobj
4 0 obj <</Length 44>> stream
BT /F1 18 Tf 40 100 Td (Brief) Tj ET
endstream endobj
trailer <</Root 1 0 R>>
%%EOF
`);
const CSV = '项目,预算,负责人\n海报,12000,Tom Li\n视频,30000,Mei Chen\n';
const RUST = 'fn main() {\n    let greeting = "你好";\n    println!("{greeting}");\n}\n';
const NOTES_V1 = '# 发布计划\n\n- 第一周：预热\n- 第二周：发布\n';
const NOTES_V2 = '# 发布计划\n\n- 第一周：预热\n- 第二周：发布会\n- 第三周：复盘\n';

/** Polls until `check` holds. */
async function eventually(check, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Uploads a file over the API as `token` (a colleague working elsewhere). */
async function uploadAs(token, name, body, folder) {
  const form = new FormData();
  if (folder) form.append('folder_id', folder);
  form.append('file', new Blob([body]), name);
  const r = await fetch(`${server.base}/api/v1/projects/${project}/files`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form,
  });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text);
}

const row = (page, name) => page.locator('.lib-row', { has: page.locator('.name-text', { hasText: new RegExp(`^${name.replace(/[.()]/g, '\\$&')}$`) }) });
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
/** Waits until every upload in the list is done. */
async function uploadsDone(page, n) {
  await page.waitForFunction((want) => document.querySelectorAll('.tray-item[data-state=done]').length >= want, n, { timeout: 20_000 });
}

before(async () => {
  server = await startServer();
  chromium = await launch();
  fs.mkdirSync(artifacts, { recursive: true });
  const admin = await adminToken(server.base);
  design = (await api(server.base, 'POST', '/departments', { name: '设计部' }, admin)).id;
  const market = (await api(server.base, 'POST', '/departments', { name: '市场部' }, admin)).id;
  for (const [key, name, dept] of [['mei', 'Mei Chen', market], ['tom', '李拓', design], ['out', '王外', market]]) {
    const email = `${key}@example.com`;
    const u = await api(server.base, 'POST', '/auth/register', { email, name, department_id: dept, position: 'PM', password: PASSWORD });
    await api(server.base, 'POST', `/admin/registrations/${u.id}/approve`, undefined, admin);
    const login = await api(server.base, 'POST', '/auth/login', { login: email, password: PASSWORD });
    users[key] = { id: u.id, email, name, token: login.access_token };
  }
  project = (await api(server.base, 'POST', '/projects', {
    name: '新产品上市', goal: '提升产品A季度销量30%', department_ids: [design, market], start_date: day(-5), end_date: day(90),
  }, users.mei.token)).id;
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: users.tom.id, role: 'editor' }, users.mei.token);
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: users.out.id, role: 'viewer' }, users.mei.token);
  mei = await person(chromium.browser, server.base);
  tom = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  out = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  await signIn(mei, users.mei.email, PASSWORD);
  await signIn(tom, users.tom.email, PASSWORD);
  await signIn(out, users.out.email, PASSWORD);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

/** Errors the page reported, less the one the server's policy causes: the app's
 * Content-Security-Policy has no `frame-src`, so the browser refuses to frame a PDF's blob URL
 * and logs it (the preview then offers the PDF in a tab of its own). */
const errors = (page) => page.errors.filter((e) => !/(Framing|Refused to frame) 'blob:/.test(e));

test('files uploaded by the picker and by dropping them; a name clash asks first', async () => {
  await mei.goto(`/projects/${project}`);
  await mei.getByRole('link', { name: 'Files' }).click();
  await mei.waitForURL(`**/projects/${project}/files`);
  await mei.getByText('This folder is empty').waitFor();
  await shot(mei, J, '01-empty');

  // A folder, from the keyboard: the dialog takes focus, Enter creates it.
  await mei.getByRole('button', { name: 'New folder' }).focus();
  await mei.keyboard.press('Enter');
  await mei.locator('dialog.lib-dialog[open] #lib-name').waitFor();
  assert.equal(await mei.evaluate(() => document.activeElement?.id), 'lib-name');
  await mei.keyboard.type('设计稿');
  await mei.keyboard.press('Enter');
  await mei.locator('dialog.lib-dialog').waitFor({ state: 'detached' });
  await mei.locator('.tree-link', { hasText: '设计稿' }).click();
  await mei.waitForURL(/\?folder=/);
  await mei.getByText('This folder is empty').waitFor();
  // Escape closes a dialog without doing anything.
  await mei.getByRole('button', { name: 'New folder' }).click();
  await mei.locator('dialog.lib-dialog[open]').waitFor();
  await mei.keyboard.press('Escape');
  await mei.locator('dialog.lib-dialog').waitFor({ state: 'detached' });

  // Five files at once through the picker, each with its progress.
  await mei.setInputFiles('#lib-upload', [
    { name: 'poster.png', mimeType: 'image/png', buffer: PNG },
    { name: 'brief.pdf', mimeType: 'application/pdf', buffer: PDF },
    { name: 'budget.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) },
    { name: 'main.rs', mimeType: 'text/plain', buffer: Buffer.from(RUST) },
    { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from(NOTES_V1) },
  ]);
  await uploadsDone(mei, 5);
  for (const name of ['poster.png', 'brief.pdf', 'budget.csv', 'main.rs', 'notes.md']) await row(mei, name).waitFor();
  assert.equal(await mei.locator('.tray-item[data-state=done]').count(), 5);

  // One more, dropped on the list: it lights up while the file is over it.
  await mei.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['第一行\n'], 'readme.txt', { type: 'text/plain' }));
    window.__drop = dt;
    document.querySelector('.lib-listing').dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await mei.locator('.lib-listing.drop-over').waitFor();
  await shot(mei, J, '02-drop');
  await mei.evaluate(() => {
    const target = document.querySelector('.lib-listing');
    for (const type of ['dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: window.__drop, bubbles: true, cancelable: true }));
  });
  await row(mei, 'readme.txt').waitFor();
  assert.equal(await mei.locator('.lib-listing.drop-over').count(), 0);

  // The same name again: asked before anything is sent. Keep both → "budget (2).csv".
  await mei.setInputFiles('#lib-upload', [{ name: 'budget.csv', mimeType: 'text/csv', buffer: Buffer.from(`${CSV}音频,8000,Tom Li\n`) }]);
  const clash = mei.locator('.tray-item[data-state=clash]');
  await clash.waitFor();
  assert.match(await clash.innerText(), /“budget\.csv” is already in this folder/);
  await shot(mei, J, '03-clash');
  await clash.getByRole('button', { name: 'Keep both' }).click();
  await row(mei, 'budget (2).csv').waitFor();
  // Once more, as a new version of the file that has the name.
  await mei.setInputFiles('#lib-upload', [{ name: 'budget.csv', mimeType: 'text/csv', buffer: Buffer.from(`${CSV}物料,5000,Mei Chen\n`) }]);
  await mei.locator('.tray-item[data-state=clash]').getByRole('button', { name: 'Upload as a new version' }).click();
  await eventually(async () => (await row(mei, 'budget.csv').locator('.col-version').innerText()).trim() === 'v2', 'budget.csv at v2');
  await mei.getByRole('button', { name: 'Clear finished' }).click();
  await mei.locator('.upload-tray').waitFor({ state: 'detached' });
  await shot(mei, J, '04-listing');
  assert.deepEqual(errors(mei), []);
});

test('previews: a picture, a PDF, a CSV table, highlighted code', async () => {
  // A picture: the server's thumbnail, fetched with the token, shown from a blob URL.
  await row(mei, 'poster.png').locator('a.lib-name').click();
  await mei.waitForURL(/\?file=/);
  const img = mei.locator('.image-view img');
  await img.waitFor();
  await mei.waitForFunction(() => document.querySelector('.image-view img')?.naturalWidth > 0);
  assert.match(await img.getAttribute('src'), /^blob:/);
  assert.match(await mei.locator('.lib-access').innerText(), /Can manage · administrator of the project/);
  await shot(mei, J, '05-image');

  // A PDF: fetched with the token into a blob URL for the browser's viewer.
  await mei.locator('.lib-crumbs').getByRole('link', { name: '设计稿' }).click();
  const pdfResponse = mei.waitForResponse((r) => /\/preview\/pdf/.test(r.url()));
  await row(mei, 'brief.pdf').locator('a.lib-name').click();
  assert.equal((await pdfResponse).status(), 200);
  const frame = mei.locator('iframe.pdf-frame');
  await frame.waitFor({ state: 'attached' });
  assert.match(await frame.getAttribute('src'), /^blob:/);
  assert.match(await mei.getByRole('link', { name: 'Open in a new tab' }).getAttribute('href'), /^blob:/);
  // Shown in the page where the server's policy allows blob frames; where it does not, the
  // page says so instead of showing a broken frame.
  await mei.waitForFunction(() => {
    const f = document.querySelector('iframe.pdf-frame');
    return (f && !f.hidden) ? !document.querySelector('.pdf-blocked') : !!document.querySelector('.pdf-blocked');
  });
  await shot(mei, J, '06-pdf');

  // A CSV: a table, its first row the header.
  await mei.locator('.lib-crumbs').getByRole('link', { name: '设计稿' }).click();
  await row(mei, 'budget.csv').locator('a.lib-name').click();
  const sheet = mei.locator('table.sheet');
  await sheet.waitFor();
  assert.deepEqual(await sheet.locator('thead th').allInnerTexts(), ['', '项目', '预算', '负责人']);
  assert.match(await sheet.locator('tbody').innerText(), /海报\s+12000\s+Tom Li/);
  await shot(mei, J, '07-csv');

  // Source code: highlighted, with line numbers.
  await mei.locator('.lib-crumbs').getByRole('link', { name: '设计稿' }).click();
  await row(mei, 'main.rs').locator('a.lib-name').click();
  await mei.locator('table.code .tok-keyword').first().waitFor();
  assert.equal(await mei.locator('table.code tr').count(), 4);
  assert.match(await mei.locator('table.code').innerText(), /println!/);
  await shot(mei, J, '08-code');
  assert.deepEqual(errors(mei), []);
});

test('a new version with its note, two versions compared, an older one restored', async () => {
  await mei.locator('.lib-crumbs').getByRole('link', { name: '设计稿' }).click();
  await row(mei, 'notes.md').locator('a.lib-name').click();
  await mei.locator('.md-doc h1', { hasText: '发布计划' }).waitFor();
  const fileId = new URL(mei.url()).searchParams.get('file');

  await mei.getByRole('button', { name: 'New version' }).click();
  await mei.locator('dialog.lib-dialog[open]').waitFor();
  await mei.setInputFiles('#lib-version-file', { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from(NOTES_V2) });
  await mei.fill('#lib-version-note', '补充了第三周的复盘');
  await shot(mei, J, '09-new-version');
  await mei.locator('dialog.lib-dialog button[type=submit]').click();
  await mei.locator('.fv', { hasText: '补充了第三周的复盘' }).waitFor();
  assert.equal(await mei.locator('.fv').count(), 2);
  await mei.locator('.md-doc li', { hasText: '第三周：复盘' }).waitFor();

  // Compare v1 with v2: the removed line red, the added ones green.
  await mei.locator('#compare-from').selectOption('1');
  await mei.locator('#compare-to').selectOption('2');
  await mei.getByRole('button', { name: 'Compare', exact: true }).click();
  await mei.locator('table.diff tr.ins').first().waitFor();
  assert.match(await mei.locator('table.diff tr.del').innerText(), /第二周：发布$/m);
  assert.equal(await mei.locator('table.diff tr.ins').count(), 2);
  assert.match(await mei.locator('.diff-summary').innerText(), /2 lines added, 1 removed/);
  await shot(mei, J, '10-diff');

  // Preview the old one, then restore it: it becomes version 3, history kept.
  await mei.locator('.fv[data-version="1"]').getByRole('button', { name: 'Preview version 1' }).click();
  await mei.getByText('Showing version 1').waitFor();
  await mei.locator('.fv[data-version="1"]').getByRole('button', { name: 'Restore this version' }).click();
  await mei.locator('.toast', { hasText: 'Version 1 restored as version 3' }).waitFor();
  await mei.locator('.fv[data-version="3"]').waitFor();
  const file = await api(server.base, 'GET', `/files/${fileId}`, undefined, users.mei.token);
  assert.equal(file.current_version, 3);
  assert.equal(file.sha256, sha(Buffer.from(NOTES_V1)));
  await shot(mei, J, '11-versions');
  assert.deepEqual(errors(mei), []);
});

test('a restricted folder is invisible to an outsider; a department\'s grant is named as the reason', async () => {
  const finance = await api(server.base, 'POST', `/projects/${project}/folders`, { name: '财务' }, users.mei.token);
  await uploadAs(users.mei.token, '报价单.csv', '物料,单价\n纸张,2\n', finance.id);
  await mei.goto(`/projects/${project}/files`);
  const folderRow = row(mei, '财务');
  await folderRow.waitFor();
  await folderRow.getByRole('button', { name: /More actions/ }).click();
  await mei.getByRole('menuitem', { name: 'Permissions' }).click();
  const dialog = mei.locator('dialog.lib-dialog[open]');
  await dialog.getByText('No grants yet.').waitFor();
  await dialog.locator('#grants-restricted').check();
  await dialog.locator('#grant-kind').selectOption('department');
  await pick(mei, '#grant-subject', '设计', '设计部');
  await dialog.locator('#grant-level').selectOption('edit');
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await dialog.locator('.grant-row', { hasText: '设计部' }).waitFor();
  await shot(mei, J, '12-grants');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await mei.locator('.toast', { hasText: 'Permissions saved' }).waitFor();
  await folderRow.locator('.badge', { hasText: 'Restricted' }).waitFor();

  // Tom (设计部) gets in through the grant, and is told so.
  await tom.goto(`/projects/${project}/files`);
  const tomRow = row(tom, '财务');
  await tomRow.waitFor();
  assert.match(await tomRow.locator('.access-note').innerText(), /可编辑 · 在文件夹 财务 上授予 设计部/);
  await tomRow.locator('a.lib-name').click();
  await row(tom, '报价单.csv').waitFor();
  assert.match(await tom.locator('.lib-access').innerText(), /你的权限：可编辑 · 在文件夹 财务 上授予 设计部/);
  await shot(tom, J, '13-granted-zh');

  // The outsider sees the project's other folders, not this one — not even by its address.
  await out.goto(`/projects/${project}/files`);
  await row(out, '设计稿').waitFor();
  assert.equal(await row(out, '财务').count(), 0);
  assert.equal(await out.locator('.tree-link', { hasText: '财务' }).count(), 0);
  assert.match(await row(out, '设计稿').locator('.access-note').getAttribute('title'), /可查看 · 项目查看者/);
  const r = await fetch(`${server.base}/api/v1/folders/${finance.id}`, { headers: { Authorization: `Bearer ${users.out.token}` } });
  assert.equal(r.status, 404);
  await out.goto(`/projects/${project}/files?folder=${finance.id}`);
  await out.getByText('该文件夹不存在，或未对你开放。').waitFor();
  await shot(out, J, '14-outsider');
  assert.deepEqual(errors(tom), []);
  assert.deepEqual(errors(mei), []);
});

test('a colleague\'s upload shows up in an open listing without a reload', async () => {
  const folder = (await api(server.base, 'GET', `/projects/${project}/folders`, undefined, users.mei.token)).items.find((f) => f.name === '设计稿');
  await tom.goto(`/projects/${project}/files?folder=${folder.id}`);
  await row(tom, 'notes.md').waitFor();
  await tom.waitForTimeout(300);
  await uploadAs(users.mei.token, '会议纪要.md', '# 纪要\n', folder.id);
  await row(tom, '会议纪要.md').waitFor({ timeout: 10_000 });
  // A rename elsewhere follows too.
  const md = (await api(server.base, 'GET', `/projects/${project}/files?folder_id=${folder.id}`, undefined, users.mei.token)).items.find((f) => f.name === '会议纪要.md');
  const res = await fetch(`${server.base}/api/v1/files/${md.id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${users.mei.token}`, 'Content-Type': 'application/json', 'If-Match': `"${md.version}"` },
    body: JSON.stringify({ name: '启动会纪要.md' }),
  });
  assert.equal(res.status, 200);
  await row(tom, '启动会纪要.md').waitFor({ timeout: 10_000 });
  assert.equal(await row(tom, '会议纪要.md').count(), 0);
  await shot(tom, J, '15-live-zh');
  assert.deepEqual(errors(tom), []);
});

test('delete to the trash with undo; restore from the trash; the quota', async () => {
  const folder = (await api(server.base, 'GET', `/projects/${project}/folders`, undefined, users.mei.token)).items.find((f) => f.name === '设计稿');
  await mei.goto(`/projects/${project}/files?folder=${folder.id}`);
  // Copy a file to the top, move another into 财务: each through the folder picker.
  await row(mei, 'brief.pdf').getByRole('button', { name: /More actions/ }).click();
  await mei.keyboard.press('ArrowDown');
  assert.equal(await mei.evaluate(() => document.activeElement?.getAttribute('role')), 'menuitem');
  await mei.getByRole('menuitem', { name: 'Copy to…' }).click();
  const picker = mei.locator('dialog.lib-dialog[open]');
  await picker.getByLabel('All files').check();
  await picker.getByRole('button', { name: 'Copy here' }).click();
  await mei.locator('.toast', { hasText: 'Copied to All files' }).waitFor();
  await row(mei, 'brief.pdf').getByRole('button', { name: /More actions/ }).click();
  await mei.getByRole('menuitem', { name: 'Move to…' }).click();
  await picker.getByLabel('财务').check();
  await picker.getByRole('button', { name: 'Move here' }).click();
  await mei.locator('.toast', { hasText: 'Moved to 财务' }).waitFor();
  await eventually(async () => (await row(mei, 'brief.pdf').count()) === 0, 'brief.pdf moved away');
  const top = (await api(server.base, 'GET', `/projects/${project}/files`, undefined, users.mei.token)).items.map((f) => f.name);
  assert.ok(top.includes('brief.pdf'), `the copy is at the top: ${top}`);

  await row(mei, 'readme.txt').getByRole('button', { name: /More actions/ }).click();
  await mei.getByRole('menuitem', { name: 'Delete' }).click();
  await mei.locator('.undo-bar', { hasText: 'Moved “readme.txt” to the trash' }).waitFor();
  await eventually(async () => (await row(mei, 'readme.txt').count()) === 0, 'readme.txt gone');
  await mei.locator('.undo-bar').getByRole('button', { name: 'Undo' }).click();
  await row(mei, 'readme.txt').waitFor();

  await row(mei, 'main.rs').getByRole('button', { name: /More actions/ }).click();
  await mei.getByRole('menuitem', { name: 'Delete' }).click();
  await eventually(async () => (await row(mei, 'main.rs').count()) === 0, 'main.rs gone');
  await mei.locator('.lib-trash-link').click();
  const trashed = row(mei, 'main.rs');
  await trashed.waitFor();
  assert.match(await mei.locator('.trash-table thead').innerText(), /Removed for good/);
  await shot(mei, J, '16-trash');
  await trashed.getByRole('button', { name: 'Restore main.rs' }).click();
  await mei.getByText('The trash is empty').waitFor();
  await mei.goto(`/projects/${project}/files?folder=${folder.id}`);
  await row(mei, 'main.rs').waitFor();

  // The quota, set by the project's administrator.
  await mei.getByRole('button', { name: 'Set quota' }).click();
  await mei.fill('#lib-quota', 'many');
  await mei.keyboard.press('Enter');
  await mei.getByText('Enter a number of 0 or more').waitFor();
  await mei.fill('#lib-quota', '2');
  await mei.keyboard.press('Enter');
  await mei.locator('.storage', { hasText: 'of 2.0 GB used' }).waitFor();
  assert.equal((await api(server.base, 'GET', `/projects/${project}/storage`, undefined, users.mei.token)).quota_bytes, 2 * 1024 ** 3);
  assert.deepEqual(errors(mei), []);
});

test('a 64 MiB upload cut off at 60 % goes on from where the server got to', async () => {
  const SIZE = 64 * 1024 * 1024;
  const data = crypto.randomBytes(SIZE);
  const big = path.join(artifacts, '发布会录像.mp4');
  fs.writeFileSync(big, data);
  try {
    await mei.goto(`/projects/${project}/files`);
    await mei.getByRole('button', { name: 'New folder' }).waitFor();
    let location = null;
    mei.on('response', (r) => {
      if (r.request().method() === 'POST' && r.url().endsWith('/api/v1/uploads') && r.status() === 201) location = r.headers().location;
    });
    const patches = [];
    mei.on('request', (r) => {
      if (r.method() === 'PATCH' && r.url().includes('/api/v1/uploads/')) patches.push({ at: Date.now(), offset: Number(r.headers()['upload-offset']) });
    });
    // Localhost is fast: the upload is slowed to 24 MB/s so that 60 % can be caught.
    const cdp = await mei.context().newCDPSession(mei);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 24 * 1024 * 1024 });
    await mei.setInputFiles('#lib-upload', big);
    await mei.waitForFunction(() => {
      const bar = document.querySelector('.tray-item[data-state=sending] [role=progressbar]');
      return bar && Number(bar.getAttribute('aria-valuenow')) >= 60;
    }, null, { polling: 20, timeout: 60_000 });
    await mei.context().setOffline(true);
    const paused = mei.locator('.tray-item[data-state=paused]');
    await paused.waitFor();
    await mei.locator('.tray-offline').waitFor();
    await shot(mei, J, '17-upload-paused');
    assert.ok(location, 'the upload was created through tus');
    const upload = location.replace('/api/v1', '');
    const held = await api(server.base, 'GET', upload, undefined, users.mei.token);
    assert.equal(held.state, 'receiving');
    assert.ok(held.offset >= SIZE * 0.4 && held.offset < SIZE, `the server held ${held.offset} bytes`);
    const before = patches.length;

    // Back online: the app asks the server how far it got and sends the rest from there.
    await mei.context().setOffline(false);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await mei.locator('.tray-item[data-state=done]').waitFor({ timeout: 60_000 });
    const resumed = patches.slice(before);
    assert.ok(resumed.length >= 1, 'it sent more');
    assert.ok(resumed[0].offset >= held.offset, `resumed at ${resumed[0].offset}, the server held ${held.offset}`);
    assert.ok(resumed.every((p) => p.offset > 0), 'it never started over');
    const done = await api(server.base, 'GET', upload, undefined, users.mei.token);
    assert.equal(done.state, 'done');
    const file = await api(server.base, 'GET', `/files/${done.file_id}`, undefined, users.mei.token);
    assert.equal(file.name, '发布会录像.mp4');
    assert.equal(file.size, SIZE);
    assert.equal(file.sha256, sha(data));
    await row(mei, '发布会录像.mp4').waitFor();
    await shot(mei, J, '18-upload-done');
    assert.deepEqual(errors(mei).filter((e) => !/ERR_INTERNET_DISCONNECTED|net::ERR/.test(e)), []);
  } finally {
    fs.rmSync(big, { force: true });
  }
});
