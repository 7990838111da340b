// Two people, two browsers (issue 11, "done means"): what one changes in the web app shows in
// the other's open task list, project page and task page without a reload, and an edit in
// progress survives the other's change to the same task. Mei works in English, Tom in Chinese.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { adminToken, api, day, startServer } from '../lib/server.mjs';
import { launch, person, shot, signIn } from '../lib/browser.mjs';

const J = 'colleagues';
const PASSWORD = 'a long enough password';
let server;
let chromium;
let mei; // project administrator, English
let tom; // editor, 简体中文
let project;
let taskId;

before(async () => {
  server = await startServer();
  chromium = await launch();
  const admin = await adminToken(server.base);
  const dept = (await api(server.base, 'POST', '/departments', { name: '设计部' }, admin)).id;
  const users = {};
  for (const [key, name] of [['mei', 'Mei Chen'], ['tom', 'Tom Li']]) {
    const email = `${key}@example.com`;
    const u = await api(server.base, 'POST', '/auth/register', { email, name, department_id: dept, position: 'Designer', password: PASSWORD });
    await api(server.base, 'POST', `/admin/registrations/${u.id}/approve`, undefined, admin);
    users[key] = { id: u.id, email, name };
  }
  const meiToken = (await api(server.base, 'POST', '/auth/login', { login: users.mei.email, password: PASSWORD })).access_token;
  project = (await api(server.base, 'POST', '/projects', {
    name: '春季画册', goal: 'Print and online', department_ids: [dept], start_date: day(-30), end_date: day(120),
  }, meiToken)).id;
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: users.tom.id, role: 'editor' }, meiToken);
  mei = await person(chromium.browser, server.base);
  tom = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  await signIn(mei, users.mei.email, PASSWORD);
  await signIn(tom, users.tom.email, PASSWORD);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

test('a task Tom adds and renames in his browser shows in Mei\'s open project page', async () => {
  await mei.goto(`/projects/${project}`);
  await mei.locator('#new-task-title').waitFor();
  await tom.goto(`/projects/${project}`);
  await tom.fill('#new-task-title', '封面照片');
  await tom.locator('form.new-task button[type=submit]').click();
  await tom.locator('.task-row', { hasText: '封面照片' }).waitFor();
  // Mei did nothing: the row arrives by itself.
  await mei.locator('.task-row', { hasText: '封面照片' }).waitFor();

  await tom.locator('.task-row .item-title', { hasText: '封面照片' }).click();
  await tom.waitForURL(/\/tasks\//);
  taskId = tom.url().split('/tasks/')[1];
  await tom.locator('#task-title').waitFor();
  await tom.fill('#task-title', '封面照片（春季）');
  await tom.locator('form.card button[type=submit]').first().click();
  await tom.locator('h1', { hasText: '封面照片（春季）' }).waitFor();
  await mei.locator('.task-row', { hasText: '封面照片（春季）' }).waitFor();
  await shot(mei, J, '01-mei-sees-toms-task');
  assert.deepEqual(mei.errors, []);
  assert.deepEqual(tom.errors, []);
});

test('Mei\'s edit in progress survives Tom\'s changes to the same task', async () => {
  await mei.goto(`/tasks/${taskId}`);
  await mei.locator('#task-title').waitFor();
  await tom.goto(`/tasks/${taskId}`);
  await tom.locator('#task-title').waitFor();

  // Mei is typing a new title; Tom changes the priority: her typing stays, the priority follows.
  await mei.fill('#task-title', 'Cover photo — final');
  await tom.selectOption('#task-priority', 'high');
  await tom.locator('form.card button[type=submit]').first().click();
  await tom.locator('.task-head .badge', { hasText: '高' }).waitFor();
  await mei.waitForFunction(() => document.querySelector('#task-priority')?.value === 'high');
  assert.equal(await mei.inputValue('#task-title'), 'Cover photo — final');
  assert.equal(await mei.locator('.conflict').count(), 0);

  // Tom changes the title too: Mei keeps her draft, is told it was Tom, and saves hers over it.
  await tom.fill('#task-title', '封面照片（汤姆）');
  await tom.locator('form.card button[type=submit]').first().click();
  await tom.locator('h1', { hasText: '封面照片（汤姆）' }).waitFor();
  const notice = mei.locator('.conflict');
  // (Her page reads the task back on the event: it once got the server's cached copy from
  // before Tom's save and never showed the conflict.)
  await notice.waitFor();
  await notice.getByText('Tom Li').waitFor();
  await mei.locator('.theirs-value', { hasText: '封面照片（汤姆）' }).waitFor();
  assert.equal(await mei.inputValue('#task-title'), 'Cover photo — final');
  await shot(mei, J, '02-mei-conflict');
  await mei.getByRole('button', { name: 'Save mine over theirs' }).click();
  await mei.locator('h1', { hasText: 'Cover photo — final' }).waitFor();
  // Tom's open page follows her save, and his priority change is still there.
  await tom.locator('h1', { hasText: 'Cover photo — final' }).waitFor();
  await tom.waitForFunction(() => document.querySelector('#task-priority')?.value === 'high');
  await shot(tom, J, '03-tom-sees-meis-save');
  assert.deepEqual(mei.errors, []);
  assert.deepEqual(tom.errors, []);
});

test('statuses Tom sets show on Mei\'s project page and in the project center', async () => {
  await mei.goto(`/projects/${project}`);
  const row = mei.locator('.task-row', { hasText: 'Cover photo — final' });
  await row.waitFor();
  await tom.locator('#task-status').selectOption('in_progress');
  await tom.locator('#task-status').blur();
  await tom.locator('.task-head .badge', { hasText: '进行中' }).waitFor();
  await mei.waitForFunction((id) => document.querySelector(`#status-${id}`)?.value === 'in_progress', taskId);

  await mei.goto('/projects');
  const card = mei.locator('.project-card', { hasText: '春季画册' });
  await card.getByText('Done: 0/1').waitFor();
  await tom.locator('#task-status').selectOption('done');
  await tom.locator('#task-status').blur();
  await tom.locator('.task-head .badge', { hasText: '已完成' }).waitFor();
  await card.getByText('Done: 1/1').waitFor();
  await shot(mei, J, '04-project-center');
  assert.deepEqual(mei.errors, []);
  assert.deepEqual(tom.errors, []);
});
