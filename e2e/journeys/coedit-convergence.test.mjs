// Convergence (issue 13, F5): three clients — the web app's editor in two browser tabs (yrs,
// compiled to wasm) and a stock Yjs client (yjs + y-websocket from npm, unmodified) — insert
// and delete at random places with random pauses, all at once, while the server is killed
// (SIGKILL) and started again in the middle. Every client ends with the same text, which is
// the server's, holding every insertion that was not deleted and none that was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';

import { ADMIN, adminToken, api, day, startServer } from '../lib/server.mjs';
import { launch, person, signIn } from '../lib/browser.mjs';

async function until(check, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small seeded generator, so a failure can be replayed. */
function rng(seed) {
  let s = seed >>> 0;
  return (n) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

/** Offsets where a token may go without splitting another: the start, and after each `;`. */
function boundaries(text) {
  const at = [0];
  for (let i = 0; i < text.length; i += 1) if (text[i] === ';') at.push(i + 1);
  return at;
}

const OPS = 24;

test('two web editors and a stock Yjs client converge through a kill -9 of the server', async () => {
  const srv = await startServer();
  const chromium = await launch();
  let provider;
  try {
    const token = await adminToken(srv.base);
    const dept = await api(srv.base, 'POST', '/departments', { name: '研发部' }, token);
    const project = await api(srv.base, 'POST', '/projects', {
      name: '收敛', goal: '并发编辑', department_ids: [dept.id], start_date: day(0), end_date: day(30),
    }, token);
    const doc = await api(srv.base, 'POST', `/projects/${project.id}/docs`, { name: '并发.md', content: '' }, token);
    const id = doc.file.id;

    // The stock client: the token as the WebSocket protocol, so it reconnects by itself.
    const ydoc = new Y.Doc();
    provider = new WebsocketProvider(`${srv.base.replace('http', 'ws')}/api/v1/ws/docs`, id, ydoc, {
      protocols: [`bearer.${token}`], WebSocketPolyfill: WebSocket, disableBc: true,
    });
    await until(() => provider.synced, 'the stock client synced');
    const ytext = ydoc.getText('content');

    // The web app, twice (two tabs of the same person are two clients).
    const pages = [];
    for (let i = 0; i < 2; i += 1) {
      const page = await person(chromium.browser, srv.base);
      await signIn(page, ADMIN.email, ADMIN.password);
      await page.goto(`/docs/${id}`);
      await page.locator('#doc-status[data-state=live]').waitFor({ timeout: 15_000 });
      pages.push(page);
    }

    const inserted = new Set();
    const deleted = new Set();
    const pause = (r) => new Promise((res) => setTimeout(res, r(40)));

    // One client's turn: insert a unique token at a boundary; every fifth turn, delete the
    // client's own previous token instead (where the client sees it now).
    const typist = (name, r, { text, insert, remove }) => async () => {
      const mine = [];
      for (let n = 0; n < OPS; n += 1) {
        const now = await text();
        const last = mine.at(-1);
        if (n % 5 === 4 && last && now.includes(last)) {
          await remove(last);
          mine.pop();
          inserted.delete(last);
          deleted.add(last);
        } else {
          const at = boundaries(now);
          const token = `${name}${String(n).padStart(2, '0')};`;
          await insert(at[r(at.length)], token);
          mine.push(token);
          inserted.add(token);
        }
        await pause(r);
      }
    };

    // The editor is read-only until its socket has synced (at the start, and again while it
    // reconnects after the restart): a typist waits for that, as a person would.
    const editable = (page) => page.waitForFunction(() => !document.querySelector('#doc-text').readOnly);
    const web = (page) => {
      const text = () => page.$eval('#doc-text', (t) => t.value);
      return {
        text,
        async insert(at, token) {
          await editable(page);
          await page.focus('#doc-text');
          await page.$eval('#doc-text', (t, n) => t.setSelectionRange(n, n), at);
          await page.keyboard.insertText(token);
          assert.ok((await text()).includes(token), `${token} typed`);
        },
        // Selects the token where it is now (a colleague's edit may have moved it) and
        // deletes it.
        async remove(token) {
          await editable(page);
          await page.focus('#doc-text');
          await page.$eval('#doc-text', (t, k) => {
            const at = t.value.indexOf(k);
            t.setSelectionRange(at, at + k.length);
          }, token);
          await page.keyboard.press('Backspace');
          assert.ok(!(await text()).includes(token), `${token} deleted`);
        },
      };
    };
    const stock = {
      text: async () => ytext.toString(),
      async insert(at, token) { ytext.insert(at, token); },
      async remove(token) { ytext.delete(ytext.toString().indexOf(token), token.length); },
    };

    const typing = Promise.all([
      typist('甲', rng(1), web(pages[0]))(),
      typist('乙', rng(2), web(pages[1]))(),
      typist('丙', rng(3), stock)(),
    ]);
    // The server dies mid-typing and comes back; everyone keeps typing meanwhile.
    await new Promise((r) => setTimeout(r, 400));
    await srv.killAndRestart();
    await typing;

    const texts = async () => [
      await web(pages[0]).text(), await web(pages[1]).text(), ytext.toString(),
      (await api(srv.base, 'GET', `/docs/${id}`, undefined, token)).text,
    ];
    await until(async () => new Set(await texts()).size === 1, 'all clients and the server agree');
    const [final] = await texts();
    for (const t of inserted) assert.ok(final.includes(t), `${t} is kept: ${final}`);
    for (const t of deleted) assert.ok(!final.includes(t), `${t} is deleted: ${final}`);
    assert.equal(final.length, [...inserted].reduce((n, t) => n + t.length, 0), final);
    // The browser reports the refused connections while the server is down; nothing else.
    const down = /WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/;
    for (const page of pages) assert.deepEqual(page.errors.filter((e) => !down.test(e)), []);
  } finally {
    // The provider leaves its awareness (and its timer) to the document: destroy all three.
    if (provider) {
      provider.destroy();
      provider.awareness.destroy();
      provider.doc.destroy();
    }
    await chromium.close();
    await srv.stop();
  }
});
