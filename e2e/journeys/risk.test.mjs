// Delay risk in the web app (issue 12, B3): a task's page says why the task is at risk, in
// Chinese and in English, and follows the server's risk evaluation live — the evaluation runs
// moments after a change, and the page changes without a reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ADMIN, adminToken, api, day, startServer } from '../lib/server.mjs';
import { launch, person, shot, signIn } from '../lib/browser.mjs';

const J = 'risk';
let server;
let chromium;
let admin;
let project;
let silent;

before(async () => {
  server = await startServer();
  chromium = await launch();
  admin = await adminToken(server.base);
  const dept = (await api(server.base, 'POST', '/departments', { name: '研发部' }, admin)).id;
  project = (await api(server.base, 'POST', '/projects', {
    name: '风险演示', department_ids: [dept], start_date: day(-30), end_date: day(60),
  }, admin)).id;
  // Every day worked: the sentence does not depend on today's weekday.
  await api(server.base, 'PUT', `/projects/${project}/calendar`, {
    work_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  }, admin);
  silent = (await api(server.base, 'POST', `/projects/${project}/tasks`, {
    title: '接口联调', start_date: day(-6), due_date: day(3),
  }, admin)).id;
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

test('the task page says why a task is at risk, in both languages, and follows it live', async () => {
  const page = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto(`/tasks/${silent}`);
  const why = page.locator('.risk-reasons');
  // The evaluation queued by the task's creation runs within a few seconds.
  await why.waitFor({ timeout: 15_000 });
  assert.match(await why.innerText(), /延期风险[\s\S]*自 \d{4}-\d{2}-\d{2} 起已 6 个工作日没有进度更新/);
  assert.ok(await page.locator('.badges .badge-warn', { hasText: '有延期风险' }).isVisible());
  await shot(page, J, 'zh');

  await page.getByLabel('语言').selectOption('en');
  assert.match(await why.innerText(), /Delay risk[\s\S]*No progress reported for 6 working days since/);
  await shot(page, J, 'en');

  // In the list too, with the reason as the badge's tooltip.
  await page.goto(`/projects/${project}`);
  const badge = page.locator('.task-row .badge.risk');
  await badge.waitFor();
  assert.match(await badge.getAttribute('title'), /No progress reported/);

  // Nine tenths done: the evaluation clears the risk and the open page follows, no reload.
  await page.goto(`/tasks/${silent}`);
  await why.waitFor();
  await api(server.base, 'POST', `/tasks/${silent}/progress`, { percent: 90, note: '快好了' }, admin);
  await why.waitFor({ state: 'detached', timeout: 15_000 });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
