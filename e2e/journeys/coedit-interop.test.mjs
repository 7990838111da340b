// Stock Yjs clients — yjs and y-websocket's WebsocketProvider from npm, unmodified — join a
// Tandem document: one with a single-use ticket in `params`, one with its token in the
// WebSocket protocol header. They see the document's text, see each other's edits and
// presence, and what they type is the server's text. Then a stock client and the web app in
// Chromium edit one document: each sees the other's edits, name and caret (awareness in
// y-codemirror's shape, cursors as Yjs relative positions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { startServer, api, adminToken, day, ADMIN } from '../lib/server.mjs';
import { launch, person, shot, signIn } from '../lib/browser.mjs';

async function until(check, what, ms = 10_000) {
  const started = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - started > ms) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('stock y-websocket clients co-edit a document', async () => {
  const srv = await startServer();
  const providers = [];
  try {
    const token = await adminToken(srv.base);
    const dept = await api(srv.base, 'POST', '/departments', { name: '研发部' }, token);
    const project = await api(srv.base, 'POST', '/projects', {
      name: '协作', goal: '文档', department_ids: [dept.id], start_date: day(0), end_date: day(30),
    }, token);
    const doc = await api(srv.base, 'POST', `/projects/${project.id}/docs`, { name: '需求.md', content: '# 需求\n' }, token);
    const id = doc.file.id;
    const wsBase = `${srv.base.replace('http', 'ws')}/api/v1/ws/docs`;

    // A: ticket in the query (what a browser provider without header access does).
    const ticket = await api(srv.base, 'POST', `/docs/${id}/ticket`, {}, token);
    const docA = new Y.Doc();
    const a = new WebsocketProvider(wsBase, id, docA, {
      params: { ticket: ticket.ticket }, WebSocketPolyfill: WebSocket, disableBc: true,
    });
    // B: the token as the WebSocket protocol.
    const docB = new Y.Doc();
    const b = new WebsocketProvider(wsBase, id, docB, {
      protocols: [`bearer.${token}`], WebSocketPolyfill: WebSocket, disableBc: true,
    });
    providers.push(a, b);
    await until(() => a.synced && b.synced, 'both synced');
    assert.equal(docA.getText('content').toString(), '# 需求\n');
    assert.equal(docB.getText('content').toString(), '# 需求\n');

    // Edits both ways, at once.
    docA.getText('content').insert(docA.getText('content').length, '- 甲方：登录\n');
    docB.getText('content').insert(0, '> 草稿\n');
    const want = (t) => t.includes('甲方：登录') && t.startsWith('> 草稿');
    await until(() => want(docA.getText('content').toString()) && want(docB.getText('content').toString()), 'edits crossed');
    assert.equal(docA.getText('content').toString(), docB.getText('content').toString());

    // Presence: B sees A's user and cursor state.
    a.awareness.setLocalStateField('user', { name: '李雷', color: '#e11' });
    await until(() => [...b.awareness.getStates().values()].some((s) => s.user?.name === '李雷'), 'awareness');

    // The server holds what they typed.
    let server;
    for (let i = 0; i < 50; i += 1) {
      server = await api(srv.base, 'GET', `/docs/${id}`, undefined, token);
      if (server.text === docA.getText('content').toString()) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(server.text, docA.getText('content').toString());
    assert.equal(server.editors, 2);

    // A reconnect needs a fresh ticket (they work once): it resumes, and offline edits merge.
    a.disconnect();
    docA.getText('content').insert(0, '【离线】');
    const t2 = await api(srv.base, 'POST', `/docs/${id}/ticket`, {}, token);
    a.params.ticket = t2.ticket;
    a.connect();
    await until(() => docB.getText('content').toString().startsWith('【离线】'), 'offline edit merged');
  } finally {
    // The provider leaves its awareness (and the awareness its timer) to the document:
    // destroy all three, or the test's process never exits.
    for (const p of providers) {
      p.destroy();
      p.awareness.destroy();
      p.doc.destroy();
    }
    await srv.stop();
  }
});

test('a stock y-websocket client and the web app see each other\'s edits, names and carets', async () => {
  const srv = await startServer();
  let provider;
  let chromium;
  try {
    const token = await adminToken(srv.base);
    const me = await api(srv.base, 'GET', '/me', undefined, token);
    const dept = await api(srv.base, 'POST', '/departments', { name: '研发部' }, token);
    const project = await api(srv.base, 'POST', '/projects', {
      name: '互通', goal: '文档', department_ids: [dept.id], start_date: day(0), end_date: day(30),
    }, token);
    const doc = await api(srv.base, 'POST', `/projects/${project.id}/docs`, { name: '接口.md', content: '# 接口\n' }, token);
    const id = doc.file.id;

    // The stock client, as y-codemirror would announce itself, its caret after "# ".
    const ydoc = new Y.Doc();
    const ytext = ydoc.getText('content');
    provider = new WebsocketProvider(`${srv.base.replace('http', 'ws')}/api/v1/ws/docs`, id, ydoc, {
      protocols: [`bearer.${token}`], WebSocketPolyfill: WebSocket, disableBc: true,
    });
    await until(() => provider.synced, 'stock client synced');
    const pos = Y.createRelativePositionFromTypeIndex(ytext, 2);
    provider.awareness.setLocalState({
      user: { name: '节点客户端', color: '#30bced', colorLight: '#30bced33' },
      cursor: { anchor: pos, head: pos },
    });

    // The web app.
    chromium = await launch();
    const page = await person(chromium.browser, srv.base, { locale: 'zh-CN' });
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`/docs/${id}`);
    await page.locator('#doc-status[data-state=live]').waitFor({ timeout: 15_000 });
    assert.equal(await page.$eval('#doc-text', (t) => t.value), '# 接口\n');
    // The stock client is present, its caret after "# ".
    await page.locator('.doc-person', { hasText: '节点客户端' }).waitFor();
    await page.locator('.doc-marks .rc-caret', { hasText: '节点客户端' }).waitFor({ state: 'attached' });
    const beforeCaret = await page.$eval('.doc-marks', (layer) => {
      const range = document.createRange();
      range.setStart(layer, 0);
      range.setEndBefore(layer.querySelector('.rc-caret'));
      return range.toString();
    });
    assert.equal(beforeCaret, '# ');

    // Its edit reaches the browser …
    ytext.insert(ytext.length, '- 登录：POST /auth/login\n');
    await until(async () => (await page.$eval('#doc-text', (t) => t.value)) === '# 接口\n- 登录：POST /auth/login\n', 'browser sees the stock edit');
    // … and the browser's reaches it, with the browser's caret in its awareness.
    const text = await page.$eval('#doc-text', (t) => t.value);
    await page.focus('#doc-text');
    await page.$eval('#doc-text', (t, n) => t.setSelectionRange(n, n), text.length);
    await page.keyboard.type('- 退出：POST /auth/logout');
    const want = `${text}- 退出：POST /auth/logout`;
    await until(() => ytext.toString() === want, 'stock client sees the browser edit');
    await until(() => [...provider.awareness.getStates().values()].some((s) => s.user?.name === me.name && s.cursor), 'browser awareness');
    const theirs = [...provider.awareness.getStates().values()].find((s) => s.user?.name === me.name);
    assert.match(theirs.user.color, /^#[0-9a-f]{6}$/);
    assert.match(theirs.user.colorLight, /^#[0-9a-f]{8}$/);
    const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(theirs.cursor.head), ydoc);
    assert.equal(head.index, want.length);
    await shot(page, 'coedit', '09-interop');

    // The browser leaves: its presence goes.
    await page.goto(`/projects/${project.id}/files`);
    await until(() => ![...provider.awareness.getStates().values()].some((s) => s.user?.name === me.name), 'browser left');
    assert.deepEqual(page.errors, []);
  } finally {
    if (provider) {
      provider.destroy();
      provider.awareness.destroy();
      provider.doc.destroy();
    }
    await chromium?.close();
    await srv.stop();
  }
});
