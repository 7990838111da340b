// The task page and the task store (issue 11): what colleagues change shows on open pages
// without a reload; a draft survives a colleague's change to the same task and its owner takes
// theirs or saves over it; and everything the API can do with a task is in the page — delete,
// sub-tasks, estimated hours, editing one's comment, @-mentions from the keyboard, a file's
// versions, editing a milestone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { adminToken, api, day, startServer } from '../lib/server.mjs';
import { answerConfirm, launch, person, shot, signIn } from '../lib/browser.mjs';

const J = 'tasks';
const PASSWORD = 'a long enough password';
let server;
let chromium;
let mei; // the project's administrator, in the browser (English)
let tom; // an editor, working over the API, and later in the browser (Chinese)
let project;
let milestone;
let task;

/** Polls until `check` holds (the server's copy after a save made in the browser). */
async function eventually(check, what) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Changes the task as Tom over the API, from its newest version. */
async function tomChanges(body) {
  const now = await api(server.base, 'GET', `/tasks/${task.id}`, undefined, tom.token);
  const r = await fetch(`${server.base}/api/v1/tasks/${task.id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${tom.token}`, 'Content-Type': 'application/json', 'If-Match': `"${now.version}"` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text);
}

before(async () => {
  server = await startServer();
  chromium = await launch();
  const admin = await adminToken(server.base);
  const dept = (await api(server.base, 'POST', '/departments', { name: 'Design' }, admin)).id;
  const users = {};
  for (const [key, name] of [['mei', 'Mei Chen'], ['tom', 'Tom Li']]) {
    const email = `${key}@example.com`;
    const u = await api(server.base, 'POST', '/auth/register', { email, name, department_id: dept, position: 'Designer', password: PASSWORD });
    await api(server.base, 'POST', `/admin/registrations/${u.id}/approve`, undefined, admin);
    const login = await api(server.base, 'POST', '/auth/login', { login: email, password: PASSWORD });
    users[key] = { id: u.id, email, name, token: login.access_token };
  }
  tom = users.tom;
  const p = await api(server.base, 'POST', '/projects', {
    name: 'Spring catalogue', goal: 'Print and online', department_ids: [dept],
    start_date: day(-30), end_date: day(120),
    milestones: [{ name: 'Layout done', date: day(46) }],
  }, users.mei.token);
  project = p.id;
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: tom.id, role: 'editor' }, users.mei.token);
  milestone = (await api(server.base, 'GET', `/projects/${project}/milestones`, undefined, users.mei.token)).items[0];
  task = await api(server.base, 'POST', `/projects/${project}/tasks`, {
    title: 'Cover photo', description: 'Three options, landscape', assignee_id: users.mei.id, due_date: day(41),
  }, users.mei.token);
  mei = await person(chromium.browser, server.base);
  mei.who = users.mei;
  await signIn(mei, users.mei.email, PASSWORD);
});

after(async () => {
  await shot(mei, J, 'zz-end').catch(() => {});
  await chromium?.close();
  await server?.stop();
});

test('a task changed over the API shows changed on the open project page and task page', async () => {
  await mei.goto(`/projects/${project}`);
  await mei.locator('.task-row', { hasText: 'Cover photo' }).waitFor();
  await tomChanges({ title: 'Cover photo (spring)' });
  await mei.locator('.task-row', { hasText: 'Cover photo (spring)' }).waitFor();
  await mei.locator('.task-row .item-title', { hasText: 'Cover photo (spring)' }).click();
  await mei.locator('h1', { hasText: 'Cover photo (spring)' }).waitFor();
  await mei.locator('#comment-body').waitFor();
  // Fields nobody is editing follow the colleague's change, description included.
  const newDue = day(51);
  await tomChanges({ priority: 'high', due_date: newDue, description: 'Two options, portrait' });
  await mei.locator('.task-head .badge', { hasText: 'High' }).waitFor();
  await mei.waitForFunction((d) => document.querySelector('#task-due')?.value === d, newDue);
  await mei.waitForFunction(() => document.querySelector('#task-description')?.value === 'Two options, portrait');
  // A new status shows in the header and the status menu offers what follows it.
  await tomChanges({ status: 'in_progress' });
  await mei.locator('.task-head .badge', { hasText: 'In progress' }).waitFor();
  await shot(mei, J, '01-live-task-page');
  // Clicking the assignee box and typing searches: the current name is selected and replaced,
  // not typed after. Escape keeps the old choice.
  await mei.locator('#task-assignee').click();
  await mei.keyboard.type('Tom');
  await mei.locator('.combobox-list li', { hasText: 'Tom Li' }).waitFor();
  await mei.keyboard.press('Escape');
  await mei.waitForFunction(() => document.querySelector('#task-assignee')?.value === 'Mei Chen');
  assert.deepEqual(mei.errors, []);
});

test('a draft survives a colleague\'s change: no conflict, then overwrite, then take theirs', async () => {
  const p = mei;
  // Another field changed: the typing stays, the other field follows, nothing to decide.
  await p.fill('#task-title', 'Cover photo — final');
  await tomChanges({ priority: 'low' });
  await p.waitForFunction(() => document.querySelector('#task-priority')?.value === 'low');
  assert.equal(await p.inputValue('#task-title'), 'Cover photo — final');
  assert.equal(await p.locator('.conflict').count(), 0);
  // The same field: the draft is kept, whose change it was is named, theirs is shown.
  await tomChanges({ title: 'Cover photo — Tom' });
  const notice = p.locator('.conflict');
  await notice.waitFor();
  await notice.getByText('Tom Li').waitFor();
  await p.locator('.theirs-value', { hasText: 'Cover photo — Tom' }).waitFor();
  assert.equal(await p.inputValue('#task-title'), 'Cover photo — final');
  await shot(p, J, '02-conflict');
  await p.getByRole('button', { name: 'Save mine over theirs' }).click();
  await p.locator('.toast', { hasText: 'Saved' }).waitFor();
  await p.locator('h1', { hasText: 'Cover photo — final' }).waitFor();
  const saved = await api(server.base, 'GET', `/tasks/${task.id}`, undefined, tom.token);
  assert.equal(saved.title, 'Cover photo — final');
  assert.equal(saved.priority, 'low');
  // Again, and this time she takes theirs.
  await p.fill('#task-description', 'My own notes on the cover');
  await tomChanges({ description: 'Tom: use the studio shots' });
  await p.locator('.conflict').waitFor();
  await p.getByRole('button', { name: 'Take theirs' }).click();
  await p.waitForFunction(() => document.querySelector('#task-description')?.value === 'Tom: use the studio shots');
  assert.equal(await p.locator('.conflict').count(), 0);
  // Saving a 412 on its own (a change that arrived after her click) re-sends once when the
  // fields do not overlap: estimated hours, a new field of the page.
  await p.fill('#task-estimate', '6.5');
  await p.getByRole('button', { name: 'Save', exact: true }).click();
  const read = () => api(server.base, 'GET', `/tasks/${task.id}`, undefined, tom.token);
  await eventually(async () => (await read()).estimate_hours === 6.5, 'estimate saved');
  assert.equal((await read()).description, 'Tom: use the studio shots');
  assert.deepEqual(p.errors, []);
});

test('sub-tasks, comments edited in place, @-mentions from the keyboard', async () => {
  const p = mei;
  await p.fill('#subtask-title', 'Shortlist photographers');
  await p.getByRole('button', { name: 'Add sub-task' }).click();
  await p.locator('.subtask', { hasText: 'Shortlist photographers' }).waitFor();
  const subs = await api(server.base, 'GET', `/projects/${project}/tasks?parent_id=${task.id}`, undefined, tom.token);
  assert.equal(subs.items.length, 1);
  // A mention picked with the arrow keys and Enter; Escape closes the suggestions.
  await p.locator('#comment-body').fill('');
  await p.locator('#comment-body').type('Thanks @To');
  await p.locator('.suggestion', { hasText: '@Tom Li' }).waitFor();
  await p.keyboard.press('Escape');
  await p.locator('.suggestions').waitFor({ state: 'detached' });
  await p.keyboard.type('m');
  await p.locator('.suggestion', { hasText: '@Tom Li' }).waitFor();
  await p.keyboard.press('ArrowDown');
  await p.locator('.suggestion.active', { hasText: '@Tom Li' }).waitFor();
  await p.keyboard.press('Enter');
  assert.equal(await p.inputValue('#comment-body'), 'Thanks @Tom Li ');
  await p.keyboard.type('for the shots');
  await p.getByRole('button', { name: 'Post', exact: true }).click();
  const comment = p.locator('.comment', { hasText: 'for the shots' });
  await comment.waitFor();
  await comment.getByRole('button', { name: 'Edit' }).click();
  const editor = p.locator('.comment-edit');
  await editor.locator('textarea').fill('Thanks @Tom Li for the studio shots');
  await editor.getByRole('button', { name: 'Save' }).click();
  await p.locator('.comment', { hasText: 'for the studio shots' }).getByText('edited').waitFor();
  await shot(p, J, '03-subtask-comment');
  assert.deepEqual(p.errors, []);
});

test('a file\'s versions are listed and each can be downloaded', async () => {
  const p = mei;
  await p.setInputFiles('#attachment-file', { name: 'brief.txt', mimeType: 'text/plain', buffer: Buffer.from('first') });
  const row = p.locator('.attachment', { hasText: 'brief.txt' });
  await row.waitFor();
  await row.locator('input[type=file]').setInputFiles({ name: 'brief.txt', mimeType: 'text/plain', buffer: Buffer.from('second, longer') });
  await row.getByText('v2').waitFor();
  await row.locator('summary', { hasText: 'Versions' }).click();
  await row.locator('.version').nth(1).waitFor();
  assert.equal(await row.locator('.version').count(), 2);
  const download = p.waitForEvent('download');
  await row.locator('.version').filter({ hasText: 'v1' }).getByRole('button', { name: /Download/ }).click();
  assert.equal((await download).suggestedFilename(), 'brief.txt');
  await shot(p, J, '04-versions');
  assert.deepEqual(p.errors, []);
});

test('the description toolbar formats the selection and previews; an upload can be cancelled', async () => {
  const p = mei;
  const original = await p.inputValue('#task-description');
  await p.fill('#task-description', 'Use the studio shots');
  await p.locator('#task-description').evaluate((el) => el.setSelectionRange(8, 14));
  await p.getByRole('button', { name: 'Bold (Ctrl+B)' }).click();
  assert.equal(await p.inputValue('#task-description'), 'Use the **studio** shots');
  // The word stays selected in the textarea, so the shortcut formats it again.
  await p.keyboard.press('Control+i');
  assert.equal(await p.inputValue('#task-description'), 'Use the **_studio_** shots');
  await shot(p, J, '04b-markdown-toolbar');
  const editor = p.locator('.md-editor');
  await editor.getByRole('button', { name: 'Preview' }).click();
  await editor.locator('.markdown.preview strong', { hasText: 'studio' }).waitFor();
  await editor.getByRole('button', { name: 'Write', exact: true }).click();
  assert.equal(await p.inputValue('#task-description'), 'Use the **_studio_** shots');
  // Back to the saved text, so no draft is left behind.
  await p.fill('#task-description', original);

  // An upload held up on the way shows its progress and is stopped by Cancel.
  let held;
  const hold = (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    held = route;
  };
  await p.route('**/api/v1/tasks/*/attachments', hold);
  await p.setInputFiles('#attachment-file', { name: 'never-sent.txt', mimeType: 'text/plain', buffer: Buffer.from('slow') });
  await p.getByRole('progressbar', { name: 'Uploading…' }).waitFor();
  await shot(p, J, '04c-upload-progress');
  await p.locator('.upload-progress').getByRole('button', { name: 'Cancel' }).click();
  await p.getByText('Upload cancelled.').waitFor();
  assert.equal(await p.getByRole('progressbar', { name: 'Uploading…' }).count(), 0);
  await p.unroute('**/api/v1/tasks/*/attachments', hold);
  await held?.abort().catch(() => {});
  assert.equal(await p.locator('.attachment', { hasText: 'never-sent.txt' }).count(), 0);
  assert.deepEqual(p.errors, []);
});

test('the status menu saves once the keyboard settles, not per arrow key', async () => {
  const p = mei;
  const before = (await api(server.base, 'GET', `/tasks/${task.id}`, undefined, tom.token)).version;
  await p.locator('#task-status').focus();
  await p.keyboard.press('ArrowDown');
  await p.keyboard.press('ArrowDown');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await api(server.base, 'GET', `/tasks/${task.id}`, undefined, tom.token)).version, before);
  await p.keyboard.press('Tab');
  const read = () => api(server.base, 'GET', `/tasks/${task.id}`, undefined, tom.token);
  await eventually(async () => (await read()).version === before + 1, 'one save after leaving the menu');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await read()).version, before + 1);
  assert.deepEqual(p.errors, []);
});

test('a milestone is edited in place, and a task deleted after confirming', async () => {
  const p = mei;
  await p.goto(`/projects/${project}?tab=milestones`);
  const item = p.locator('.milestone', { hasText: 'Layout done' });
  await item.getByRole('button', { name: 'Edit' }).click();
  await p.fill(`#milestone-name-${milestone.id}`, 'Layout signed off');
  await p.locator('.milestone-form').getByRole('button', { name: 'Save' }).click();
  await p.locator('.milestone', { hasText: 'Layout signed off' }).waitFor();
  const ms = await api(server.base, 'GET', `/projects/${project}/milestones`, undefined, tom.token);
  assert.equal(ms.items[0].name, 'Layout signed off');
  await shot(p, J, '05-milestone-edited');
  await p.goto(`/tasks/${task.id}`);
  await p.locator('h1', { hasText: 'Cover photo — final' }).waitFor();
  // The confirmation dialog: focus starts on Cancel, Tab stays inside, Escape answers no and
  // gives focus back to the button that asked.
  const del = p.getByRole('button', { name: 'Delete task' });
  await del.click();
  const dialog = p.getByRole('alertdialog', { name: 'Please confirm' });
  await dialog.waitFor();
  assert.equal(await p.evaluate(() => document.activeElement.id), 'confirm-cancel');
  assert.equal(await p.locator('#confirm-ok').textContent(), 'Delete');
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab']) await p.keyboard.press(key);
  assert.equal(await p.evaluate(() => document.activeElement.id), 'confirm-cancel');
  await shot(p, J, '05-confirm-delete');
  await p.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await del.evaluate((b) => b === document.activeElement), true);
  await p.locator('h1', { hasText: 'Cover photo — final' }).waitFor();
  await del.click();
  await answerConfirm(p);
  await p.waitForURL(new RegExp(`/projects/${project}$`));
  await p.locator('.toast', { hasText: 'Task deleted' }).waitFor();
  await p.waitForFunction(() => ![...document.querySelectorAll('.task-row')].some((r) => r.textContent.includes('Cover photo')));
  const r = await fetch(`${server.base}/api/v1/tasks/${task.id}`, { headers: { Authorization: `Bearer ${tom.token}` } });
  assert.equal(r.status, 404);
  assert.deepEqual(p.errors, []);
});

test('menus take the keyboard when opened and give it back to their button on Escape', async () => {
  const p = mei;
  for (const [button, menu] of [['button.bell', '#notifications'], ['button[aria-controls="user-menu"]', '#user-menu']]) {
    await p.locator(button).focus();
    await p.keyboard.press('Enter');
    await p.locator(menu).waitFor();
    await p.waitForFunction((m) => document.querySelector(m)?.contains(document.activeElement), menu);
    await p.keyboard.press('Escape');
    await p.locator(menu).waitFor({ state: 'detached' });
    await p.waitForFunction((b) => document.activeElement === document.querySelector(b), button);
  }
  assert.deepEqual(p.errors, []);
});

test('a colleague\'s tab shows the deletion on the task page', async () => {
  // Tom, in Chinese, has a task open that Mei deletes.
  const t = await api(server.base, 'POST', `/projects/${project}/tasks`, { title: '封面文案' }, tom.token);
  const page = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  await signIn(page, tom.email, PASSWORD);
  await page.goto(`/tasks/${t.id}`);
  await page.locator('h1', { hasText: '封面文案' }).waitFor();
  await api(server.base, 'DELETE', `/tasks/${t.id}`, undefined, mei.who.token);
  await page.getByText('此任务已被删除。').waitFor();
  await shot(page, J, '06-deleted-elsewhere');
  assert.deepEqual(page.errors, []);
});
