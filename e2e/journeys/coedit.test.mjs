// Co-edited documents in the web app (issue 13, F5): a document made from the library opens in
// its editor; two people type into it at the same time and end with the same text holding both
// edits, the caret of one not moving when the other types before it; each sees the other's
// name and caret; a pinyin composition is not broken by a colleague's typing; a short
// disconnect with edits on both sides merges on reconnect; versions are saved with a note,
// listed, compared and restored (everyone's text changes); a viewer follows along but cannot
// type. Screenshots at desktop and phone width go to e2e/artifacts/coedit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { adminToken, api, day, startServer } from '../lib/server.mjs';
import { PHONE, DESKTOP, launch, person, shot, signIn } from '../lib/browser.mjs';

const J = 'coedit';
const PASSWORD = 'a long enough password';
let server;
let chromium;
let mei; // project administrator (English)
let tom; // editor (简体中文)
let viewer; // project viewer (简体中文)
const users = {};
let project;
let doc; // the document's id
let docUrl;

/** Polls until `check` holds. */
async function eventually(check, what, ms = 15_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await check();
    if (last) return;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const value = (page) => page.$eval('#doc-text', (t) => t.value);
const caret = (page) => page.$eval('#doc-text', (t) => [t.selectionStart, t.selectionEnd]);
/** Puts the caret at UTF-16 offset `n` of the text, as a click there would. */
async function caretAt(page, n) {
  await page.focus('#doc-text');
  await page.$eval('#doc-text', (t, at) => {
    t.setSelectionRange(at, at);
    t.dispatchEvent(new KeyboardEvent('keyup', { key: 'ArrowRight', bubbles: true }));
  }, n);
}
const live = (page) => page.locator('#doc-status[data-state=live]').waitFor({ timeout: 15_000 });
const serverText = async () => (await api(server.base, 'GET', `/docs/${doc}`, undefined, users.mei.token)).text;

before(async () => {
  server = await startServer();
  chromium = await launch();
  const admin = await adminToken(server.base);
  const dept = (await api(server.base, 'POST', '/departments', { name: '产品部' }, admin)).id;
  for (const [key, name] of [['mei', 'Mei Chen'], ['tom', '李拓'], ['viewer', '王观']]) {
    const email = `${key}@example.com`;
    const u = await api(server.base, 'POST', '/auth/register', { email, name, department_id: dept, position: 'PM', password: PASSWORD });
    await api(server.base, 'POST', `/admin/registrations/${u.id}/approve`, undefined, admin);
    const login = await api(server.base, 'POST', '/auth/login', { login: email, password: PASSWORD });
    users[key] = { id: u.id, email, name, token: login.access_token };
  }
  project = (await api(server.base, 'POST', '/projects', {
    name: '新版官网', goal: '上线新版官网', department_ids: [dept], start_date: day(-3), end_date: day(60),
  }, users.mei.token)).id;
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: users.tom.id, role: 'editor' }, users.mei.token);
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: users.viewer.id, role: 'viewer' }, users.mei.token);
  mei = await person(chromium.browser, server.base);
  tom = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  viewer = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  await signIn(mei, users.mei.email, PASSWORD);
  await signIn(tom, users.tom.email, PASSWORD);
  await signIn(viewer, users.viewer.email, PASSWORD);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

test('a new document from the library opens in its editor; the listing opens it there too', async () => {
  await mei.goto(`/projects/${project}/files`);
  await mei.getByText('This folder is empty').waitFor();
  // From the keyboard: the dialog takes focus, ".md" is added to the name.
  await mei.locator('#lib-new-doc').focus();
  await mei.keyboard.press('Enter');
  await mei.locator('dialog[open] #lib-doc-name').waitFor();
  assert.equal(await mei.evaluate(() => document.activeElement?.id), 'lib-doc-name');
  await mei.keyboard.type('周报');
  await mei.keyboard.press('Enter');
  await mei.waitForURL(/\/docs\//);
  doc = mei.url().split('/docs/')[1];
  docUrl = `/docs/${doc}`;
  await live(mei);
  assert.equal(await mei.locator('h1.doc-title').innerText(), '周报.md');
  assert.equal(await mei.locator('#doc-text').getAttribute('readonly'), null);
  await mei.getByText('Only you are here').waitFor();
  await shot(mei, J, '01-new-doc');

  // Tom finds it in the library, where a document opens its editor, not the file page.
  await tom.goto(`/projects/${project}/files`);
  const link = tom.locator('.lib-row', { hasText: '周报.md' }).locator('a.lib-name');
  assert.equal(await link.getAttribute('href'), docUrl);
  await link.click();
  await tom.waitForURL(`**${docUrl}`);
  await live(tom);
  // Each sees the other, named, in their colour.
  await mei.locator('.doc-person', { hasText: '李拓' }).waitFor();
  await tom.locator('.doc-person', { hasText: 'Mei Chen' }).waitFor();
  assert.deepEqual([...mei.errors, ...tom.errors], []);
});

test('two people type at once: the same text with both edits, and neither caret jumps', async () => {
  await caretAt(mei, 0);
  await mei.keyboard.type('# 周报\n本周：\n下周：\n');
  await eventually(async () => (await value(tom)) === '# 周报\n本周：\n下周：\n', 'tom sees the outline');

  // Mei writes at the end of "下周：", Tom at the end of "本周：" — before Mei's caret — at
  // the same time, keystroke for keystroke.
  const base = await value(mei);
  await caretAt(mei, base.indexOf('下周：') + 3);
  await caretAt(tom, base.indexOf('本周：') + 3);
  const meiTyped = 'publish the new homepage';
  const tomTyped = '完成了登录页改版';
  await Promise.all([
    mei.keyboard.type(meiTyped, { delay: 40 }),
    tom.keyboard.type(tomTyped, { delay: 60 }),
  ]);
  const want = `# 周报\n本周：${tomTyped}\n下周：${meiTyped}\n`;
  await eventually(async () => (await value(mei)) === want && (await value(tom)) === want, 'both texts are the same');
  await eventually(async () => (await serverText()) === want, 'the server holds it');
  // Mei's caret is still right after what she typed, though Tom's text arrived before it.
  const end = want.indexOf(meiTyped) + meiTyped.length;
  assert.deepEqual(await caret(mei), [end, end]);
  const tomEnd = want.indexOf(tomTyped) + tomTyped.length;
  assert.deepEqual(await caret(tom), [tomEnd, tomEnd]);

  // Each sees the other's caret, labelled with their name, where it is.
  // (A caret is a zero-width mark: attached, not "visible" in Playwright's sense.)
  await mei.locator('.doc-marks .rc-caret', { hasText: '李拓' }).waitFor({ state: 'attached' });
  await tom.locator('.doc-marks .rc-caret', { hasText: 'Mei Chen' }).waitFor({ state: 'attached' });
  // The label sits at the end of Tom's text on the "本周：" line: the mirror puts the caret
  // exactly after the characters before it.
  const before = await mei.$eval('.doc-marks', (layer) => {
    const c = layer.querySelector('.rc-caret');
    const range = document.createRange();
    range.setStart(layer, 0);
    range.setEndBefore(c);
    return range.toString().replace(/\u2060/g, '');
  });
  assert.equal(before, want.slice(0, tomEnd));
  // A selection shows as a coloured stretch on the other side.
  await tom.$eval('#doc-text', (t, [a, b]) => {
    t.setSelectionRange(a, b);
    t.dispatchEvent(new Event('select', { bubbles: true }));
  }, [want.indexOf('本周'), want.indexOf('本周') + 2]);
  await eventually(async () => (await mei.locator('.doc-marks .rc-sel').allInnerTexts()).join('') === '本周', 'tom\'s selection shows');
  // The preview follows, once typing pauses.
  await mei.locator('.doc-preview', { hasText: tomTyped }).waitFor();
  await tom.locator('.doc-preview', { hasText: meiTyped }).waitFor();
  await shot(mei, J, '02-two-people');
  await shot(tom, J, '02-two-people-zh');
  assert.deepEqual([...mei.errors, ...tom.errors], []);
});

test('a colleague typing does not break a pinyin composition', async () => {
  const cdp = await tom.context().newCDPSession(tom);
  const start = await value(tom);
  const at = start.indexOf('\n下周：');
  await caretAt(tom, at);
  // Tom composes "zhong'wen" with an input method …
  await cdp.send('Input.imeSetComposition', { text: 'zhong', selectionStart: 5, selectionEnd: 5 });
  await cdp.send('Input.imeSetComposition', { text: "zhong'wen", selectionStart: 9, selectionEnd: 9 });
  // … while Mei adds a line at the top.
  await caretAt(mei, 0);
  await mei.keyboard.type('> 草稿\n');
  await eventually(async () => (await serverText()).startsWith('> 草稿\n'), 'mei\'s line is stored');
  await new Promise((r) => setTimeout(r, 300));
  // The composition is intact in Tom's textarea (not rewritten under it).
  assert.ok((await value(tom)).includes("zhong'wen"), 'composition kept');
  // Committed as 中文: it lands where Tom was composing, and Mei's line arrives too.
  await cdp.send('Input.insertText', { text: '（中文）' });
  const want = `> 草稿\n${start.slice(0, at)}（中文）${start.slice(at)}`;
  await eventually(async () => (await value(tom)) === want && (await value(mei)) === want, 'both have both');
  const c = want.indexOf('（中文）') + 4;
  assert.deepEqual(await caret(tom), [c, c]);
  await cdp.detach();
  assert.deepEqual([...mei.errors, ...tom.errors], []);
});

test('a short disconnect: edits on both sides merge after reconnecting', async () => {
  await tom.context().setOffline(true);
  await tom.locator('#doc-status[data-state=offline]').waitFor();
  assert.match(await tom.locator('#doc-status').innerText(), /离线 — 更改将在重新连接后合并/);
  // Mei no longer sees Tom once the server notices; what matters is that both keep typing.
  await caretAt(tom, 0);
  await tom.keyboard.type('【离线修改】');
  const meiBefore = await value(mei);
  await caretAt(mei, meiBefore.length);
  await mei.keyboard.type('（在线补充）');
  // The preview cannot be made offline: the last one stays, saying so.
  await tom.locator('.doc-preview-stale').waitFor();
  assert.ok(await tom.locator('.doc-preview').count(), 'the last preview is still shown');
  await shot(tom, J, '03-offline');
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(!(await value(mei)).includes('【离线修改】'), 'offline edits stay local');
  assert.ok(!(await value(tom)).includes('（在线补充）'), 'nothing arrives while offline');

  await tom.context().setOffline(false);
  await live(tom);
  const want = `【离线修改】${meiBefore}（在线补充）`;
  await tom.locator('.doc-preview-stale').waitFor({ state: 'detached' });
  await eventually(async () => (await value(mei)) === want && (await value(tom)) === want, 'merged both ways');
  await eventually(async () => (await serverText()) === want, 'the server holds the merge');
  await mei.locator('.doc-person', { hasText: '李拓' }).waitFor();
  assert.deepEqual([...mei.errors, ...tom.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(e))], []);
});

test('save a version with a note, list, compare and restore it', async () => {
  // Ctrl+S in the editor opens "Save version".
  await mei.focus('#doc-text');
  await mei.keyboard.press('Control+s');
  await mei.locator('dialog[open] #doc-version-note').waitFor();
  await mei.keyboard.type('第一稿');
  await mei.locator('#doc-save-ok').click();
  await mei.locator('dialog.doc-dialog').waitFor({ state: 'detached' });
  await mei.getByText(/Saved as version \d+/).last().waitFor({ timeout: 20_000 });
  const first = await value(mei);

  // More text, then a second version from the button.
  await caretAt(mei, first.length);
  await mei.keyboard.type('\n## 风险\n- 接口延期');
  await eventually(async () => (await serverText()).endsWith('接口延期'), 'stored');
  await mei.locator('#doc-save').click();
  await mei.locator('#doc-version-note').fill('第二稿');
  await mei.locator('#doc-save-ok').click();
  await mei.getByText(/Saved as version \d+/).last().waitFor({ timeout: 20_000 });
  // Saving again without changes says so.
  await mei.locator('#doc-save').click();
  await mei.locator('#doc-save-ok').click();
  await mei.getByText(/No changes since version \d+/).last().waitFor({ timeout: 20_000 });

  // The list: newest first, with author, time and note.
  await mei.locator('#doc-history-toggle').click();
  const items = mei.locator('.doc-version');
  await items.first().waitFor();
  const newest = Number(await items.first().getAttribute('data-version'));
  assert.match(await items.first().innerText(), /第二稿/);
  assert.match(await items.first().innerText(), /Mei Chen/);
  assert.match(await items.nth(1).innerText(), /第一稿/);

  // Compare the two: the new lines are marked as added.
  await mei.selectOption('#doc-compare-from', String(newest - 1));
  await mei.selectOption('#doc-compare-to', String(newest));
  await mei.getByRole('button', { name: 'Compare', exact: true }).click();
  await mei.locator('.diff tr.ins', { hasText: '接口延期' }).waitFor();
  assert.match(await mei.locator('.diff-summary').innerText(), /lines added/);
  await shot(mei, J, '04-history');

  // Restore the first draft: asked first; everyone's text changes, Tom's too.
  await items.nth(1).locator('.doc-restore').click();
  await mei.locator('dialog[open] #doc-restore-ok').waitFor();
  assert.equal(await mei.evaluate(() => document.activeElement?.id), 'doc-restore-cancel');
  await shot(mei, J, '05-restore-confirm');
  await mei.locator('#doc-restore-ok').click();
  await mei.getByText(`Version ${newest - 1} restored`).waitFor({ timeout: 20_000 });
  await eventually(async () => (await value(mei)) === first && (await value(tom)) === first, 'restored for everyone');
  await eventually(async () => (await items.first().innerText()).includes(`restored from version ${newest - 1}`), 'the restore is a version');
  assert.deepEqual(mei.errors, []);
});

test('a viewer follows along but cannot type', async () => {
  await viewer.goto(docUrl);
  await live(viewer);
  await viewer.locator('.doc-readonly', { hasText: '只读' }).waitFor();
  assert.equal(await viewer.locator('#doc-save').count(), 0);
  assert.notEqual(await viewer.locator('#doc-text').getAttribute('readonly'), null);
  const before = await value(viewer);
  await caretAt(viewer, 0);
  await viewer.keyboard.type('不能写');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await value(viewer), before);
  assert.equal(await serverText(), before);
  // Mei's edits reach the viewer live; the viewer appears among those present.
  await caretAt(mei, 0);
  await mei.keyboard.type('新');
  await eventually(async () => (await value(viewer)) === `新${before}`, 'viewer sees the edit');
  await mei.locator('.doc-person', { hasText: '王观' }).waitFor();
  await shot(viewer, J, '06-viewer');
  assert.deepEqual(viewer.errors, []);
});

test('the preview follows the text, and a phone switches between them', async () => {
  await mei.locator('.doc-preview h2', { hasText: '风险' }).waitFor({ state: 'detached' }).catch(() => {});
  await caretAt(mei, (await value(mei)).length);
  await mei.keyboard.type('\n\n## 预览测试\n**加粗**');
  await mei.locator('.doc-preview h2', { hasText: '预览测试' }).waitFor();
  await mei.locator('.doc-preview strong', { hasText: '加粗' }).waitFor();
  await mei.setViewportSize(PHONE);
  await mei.locator('.doc-panes').getByRole('button', { name: 'Preview' }).click();
  await mei.locator('.doc-preview h2', { hasText: '预览测试' }).waitFor();
  assert.equal(await mei.locator('#doc-text').isVisible(), false);
  await mei.screenshot({ path: `artifacts/${J}/07-phone-preview.png`, fullPage: true });
  await mei.locator('.doc-panes').getByRole('button', { name: 'Edit' }).click();
  await mei.locator('#doc-text').waitFor();
  await mei.screenshot({ path: `artifacts/${J}/08-phone-edit.png`, fullPage: true });
  await mei.setViewportSize(DESKTOP);
  assert.deepEqual(mei.errors, []);
});

test('a document deleted while open says so once the editor reconnects', async () => {
  await tom.goto(docUrl);
  await live(tom);
  await api(server.base, 'DELETE', `/files/${doc}`, undefined, users.mei.token);
  // The server notices at its next rights check (30 s); a reconnect asks at once.
  await tom.context().setOffline(true);
  await tom.locator('#doc-status[data-state=offline]').waitFor();
  await tom.context().setOffline(false);
  await tom.getByText('此文档已不可用').waitFor({ timeout: 15_000 });
  await tom.getByRole('link', { name: '返回文件库' }).waitFor();
  await shot(tom, J, '10-gone');
  assert.deepEqual(tom.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|WebSocket|404/.test(e)), []);
});
