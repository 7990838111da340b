// Stock Yjs clients — yjs and y-websocket's WebsocketProvider from npm, unmodified — join a
// Tandem document: one with a single-use ticket in `params`, one with its token in the
// WebSocket protocol header. They see the document's text, see each other's edits and
// presence, and what they type is the server's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { startServer, api, adminToken, day } from '../lib/server.mjs';

function until(check, what, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out: ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
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
