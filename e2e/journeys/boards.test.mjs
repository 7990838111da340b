// Progress boards in the web app (issue 12): Kanban cards moved with the pointer arrive in a
// colleague's open board without a reload; a card moved with the keyboard (Space, arrows,
// Space) is announced and saved; the Gantt chart's drag offers to shift the successors, with a
// preview, and saves them in one request; the dashboard shows an at-risk task's reason in
// Chinese and in English.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { adminToken, api, day, startServer } from '../lib/server.mjs';
import { launch, person, shot, signIn } from '../lib/browser.mjs';

const J = 'boards';
const PASSWORD = 'a long enough password';
let server;
let chromium;
let mei; // project administrator, English
let tom; // editor, 简体中文
let meiToken;
let project;
const ids = {};

before(async () => {
  server = await startServer();
  chromium = await launch();
  const admin = await adminToken(server.base);
  const dept = (await api(server.base, 'POST', '/departments', { name: '市场部' }, admin)).id;
  const users = {};
  for (const [key, name] of [['mei', 'Mei Chen'], ['tom', 'Tom Li']]) {
    const email = `${key}@example.com`;
    const u = await api(server.base, 'POST', '/auth/register', { email, name, department_id: dept, position: 'PM', password: PASSWORD });
    await api(server.base, 'POST', `/admin/registrations/${u.id}/approve`, undefined, admin);
    users[key] = { id: u.id, email, name };
  }
  meiToken = (await api(server.base, 'POST', '/auth/login', { login: users.mei.email, password: PASSWORD })).access_token;
  project = (await api(server.base, 'POST', '/projects', {
    name: '新品发布', goal: 'Launch', department_ids: [dept], start_date: day(-10), end_date: day(60),
  }, meiToken)).id;
  await api(server.base, 'POST', `/projects/${project}/members`, { user_id: users.tom.id, role: 'editor' }, meiToken);
  for (const [key, title, extra] of [
    ['poster', '海报设计', { assignee_id: users.tom.id, priority: 'high' }],
    ['copy', '文案撰写', { assignee_id: users.mei.id }],
    ['video', '宣传视频', {}],
  ]) {
    ids[key] = (await api(server.base, 'POST', `/projects/${project}/tasks`, { title, due_date: day(20), ...extra }, meiToken)).id;
  }
  mei = await person(chromium.browser, server.base);
  tom = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  await signIn(mei, users.mei.email, PASSWORD);
  await signIn(tom, users.tom.email, PASSWORD);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

const column = (page, status) => page.locator(`.kanban-col[data-col=${status}]`);
const titles = async (page, status) => column(page, status).locator('.card-title').allInnerTexts();
// A key, then wait until the card has the keyboard again (it is redrawn where it moved to).
async function step(page, key, id) {
  await page.keyboard.press(key);
  await page.waitForFunction((want) => document.activeElement?.id === want, `card-${id}`);
}

test('a card dragged to another column shows there in a colleague\'s open board', async () => {
  await mei.goto(`/projects/${project}/board`);
  await tom.goto(`/projects/${project}/board`);
  await column(tom, 'todo').locator('.kanban-card').first().waitFor();
  assert.deepEqual(await titles(tom, 'todo'), ['海报设计', '文案撰写', '宣传视频']);
  assert.match(await column(tom, 'todo').locator('.kanban-col-head').innerText(), /待办[\s\S]*3/);
  await shot(tom, J, 'kanban-zh');

  // Mei drags 宣传视频 to "In progress" with the mouse.
  await column(mei, 'todo').locator('.kanban-card').first().waitFor();
  const card = mei.locator('.kanban-card', { hasText: '宣传视频' });
  const from = await card.boundingBox();
  const to = await column(mei, 'in_progress').boundingBox();
  await mei.mouse.move(from.x + from.width / 2, from.y + from.height - 6);
  await mei.mouse.down();
  await mei.mouse.move(from.x + 60, from.y + 20, { steps: 4 });
  await mei.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 8 });
  await mei.mouse.up();
  await column(mei, 'in_progress').locator('.kanban-card', { hasText: '宣传视频' }).waitFor();
  // Saved, and Tom's board follows without a reload.
  await column(tom, 'in_progress').locator('.kanban-card', { hasText: '宣传视频' }).waitFor();
  assert.deepEqual(await titles(tom, 'todo'), ['海报设计', '文案撰写']);
  const saved = await api(server.base, 'GET', `/tasks/${ids.video}`, undefined, meiToken);
  assert.equal(saved.status, 'in_progress');

  // Within a column: 文案撰写 dragged above 海报设计.
  const copy = await mei.locator('.kanban-card', { hasText: '文案撰写' }).boundingBox();
  const poster = await mei.locator('.kanban-card', { hasText: '海报设计' }).boundingBox();
  await mei.mouse.move(copy.x + copy.width / 2, copy.y + copy.height - 6);
  await mei.mouse.down();
  await mei.mouse.move(copy.x + copy.width / 2, copy.y - 10, { steps: 4 });
  await mei.mouse.move(poster.x + poster.width / 2, poster.y + 4, { steps: 6 });
  await mei.mouse.up();
  await tom.waitForFunction(() => [...document.querySelectorAll('.kanban-col[data-col=todo] .card-title')].map((e) => e.innerText).join() === '文案撰写,海报设计');
  await shot(mei, J, 'kanban-en');
  assert.deepEqual(mei.errors, []);
  assert.deepEqual(tom.errors, []);
});

test('a card moved with the keyboard is announced and saved; a refused move is put back', async () => {
  await tom.goto(`/projects/${project}/board`);
  const card = tom.locator('.kanban-card', { hasText: '海报设计' });
  await card.focus();
  await tom.keyboard.press('Space');
  const live = tom.locator('[aria-live=assertive]');
  assert.match(await live.innerText(), /已拿起 海报设计/);
  await step(tom, 'ArrowRight', ids.poster);
  assert.match(await live.innerText(), /进行中/);
  await step(tom, 'ArrowDown', ids.poster);
  await step(tom, 'Space', ids.poster);
  assert.match(await live.innerText(), /已放下 海报设计/);
  await column(tom, 'in_progress').locator('.kanban-card', { hasText: '海报设计' }).waitFor();
  await tom.waitForFunction(() => !document.querySelector('.kanban-card.pending'));
  assert.deepEqual(await titles(tom, 'in_progress'), ['宣传视频', '海报设计']);
  const saved = await api(server.base, 'GET', `/tasks/${ids.poster}`, undefined, meiToken);
  assert.equal(saved.status, 'in_progress');
  // Focus stays on the card: it can be picked up again.
  assert.equal(await tom.evaluate(() => document.activeElement?.id), `card-${ids.poster}`);

  // To do → done is not a step of the lifecycle: the server refuses, the card goes back.
  const copy = tom.locator('.kanban-card', { hasText: '文案撰写' });
  await copy.focus();
  await tom.keyboard.press('Space');
  for (let n = 0; n < 3; n += 1) await step(tom, 'ArrowRight', ids.copy);
  await tom.keyboard.press('Space');
  await tom.locator('.toast').first().waitFor();
  await column(tom, 'todo').locator('.kanban-card', { hasText: '文案撰写' }).waitFor();
  assert.equal(await column(tom, 'done').locator('.kanban-card').count(), 0);
  await shot(tom, J, 'kanban-keyboard');
  assert.deepEqual(tom.errors, []);
});

test('dragging a Gantt bar previews the successors it shifts, and accepting saves them all', async () => {
  await api(server.base, 'PUT', `/projects/${project}/calendar`, {
    work_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  }, meiToken);
  const design = (await api(server.base, 'POST', `/projects/${project}/tasks`, { title: '包装设计', start_date: day(1), due_date: day(3) }, meiToken)).id;
  const print = (await api(server.base, 'POST', `/projects/${project}/tasks`, { title: '包装印刷', start_date: day(4), due_date: day(6) }, meiToken)).id;
  await api(server.base, 'POST', `/tasks/${print}/dependencies`, { depends_on: design }, meiToken);

  await mei.goto(`/projects/${project}/gantt?zoom=day`);
  const bar = mei.locator(`.gantt-body .bar[data-task="${design}"] .track`);
  await bar.waitFor();
  assert.ok(await mei.locator('.gantt-body .dep').count() >= 1, 'the dependency arrow is drawn');
  assert.ok(await mei.locator('.gantt-head .milestone').count() >= 0);
  await shot(mei, J, 'gantt');
  const box = await bar.boundingBox();
  // Two days later (36 px a day at the day zoom), grabbed in the middle: the whole bar moves.
  await mei.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await mei.mouse.down();
  await mei.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 4 });
  await mei.mouse.move(box.x + box.width / 2 + 72, box.y + box.height / 2, { steps: 4 });
  await mei.mouse.up();
  const preview = mei.locator('dialog.gantt-preview[open]');
  await preview.waitFor();
  const rows = await preview.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 2, rows.join('\n'));
  assert.match(rows.find((r) => r.includes('包装印刷')), /\+2 days/);
  // Nothing is saved before accepting.
  assert.equal((await api(server.base, 'GET', `/tasks/${print}`, undefined, meiToken)).start_date, day(4));
  await shot(mei, J, 'gantt-preview');
  await mei.locator('#preview-accept').click();
  await mei.locator('.toast', { hasText: 'Dates saved' }).waitFor();
  const [a, b] = await Promise.all([design, print].map((id) => api(server.base, 'GET', `/tasks/${id}`, undefined, meiToken)));
  assert.equal(a.start_date, day(3));
  assert.equal(a.due_date, day(5));
  assert.equal(b.start_date, day(6));
  assert.equal(b.due_date, day(8));

  // Exports: the chart as SVG and PNG, the table as CSV.
  for (const [button, name] of [['Export SVG', 'gantt.svg'], ['Export PNG', 'gantt.png'], ['Export table (CSV)', 'tasks.csv']]) {
    const [download] = await Promise.all([mei.waitForEvent('download'), mei.getByRole('button', { name: button }).click()]);
    assert.equal(download.suggestedFilename(), name);
    if (name === 'tasks.csv') {
      const text = await (await download.createReadStream()).toArray();
      assert.match(Buffer.concat(text).toString('utf8'), /包装印刷/);
    }
  }
  assert.deepEqual(mei.errors, []);
});

test('the dashboard shows the at-risk task with its reason in Chinese and in English', async () => {
  const meId = (await api(server.base, 'GET', '/me', undefined, meiToken)).id;
  const slow = (await api(server.base, 'POST', `/projects/${project}/tasks`, { title: '渠道铺货', assignee_id: meId, estimate_hours: 12, start_date: day(-6), due_date: day(4) }, meiToken)).id;
  await api(server.base, 'POST', `/tasks/${slow}/progress`, { percent: 30, note: '进展慢' }, meiToken);
  await tom.goto('/dashboard');
  const item = tom.locator('.flagged-task', { hasText: '渠道铺货' });
  // The risk evaluation queued by the progress update runs within a few seconds; the open
  // dashboard follows without a reload.
  await item.waitFor({ timeout: 15_000 });
  assert.match(await item.innerText(), /按目前进度（已完成 30%）预计 \d{4}-\d{2}-\d{2} 完成，晚于截止日/);
  assert.match(await tom.locator('.dash-projects').innerText(), /新品发布/);
  await shot(tom, J, 'dashboard-zh');
  await tom.getByLabel('语言').selectOption('en');
  assert.match(await item.innerText(), /At the pace so far \(30% done\) it finishes on \d{4}-\d{2}-\d{2}, after its due date/);
  await shot(tom, J, 'dashboard-en');
  // Every figure is a link: the department's at-risk count opens the tasks it counts, across
  // the projects shown.
  await tom.locator('.dash-departments a[href*="risk=at_risk"]').first().click();
  await tom.waitForURL(/\/my-tasks\?scope=all&department_id=.*risk=at_risk/);
  await tom.locator('.task-row', { hasText: '渠道铺货' }).waitFor();
  assert.equal(await tom.locator('.task-row').count(), 1);
  // The filters it came with are shown, and others combine with them ("open" is one choice of
  // the status filter, kept as its own parameter).
  assert.equal(await tom.locator('#filter-risk').inputValue(), 'at_risk');
  await tom.locator('#filter-status').selectOption('open');
  await tom.waitForURL(/risk=at_risk&open=true&scope=all/);
  await tom.locator('.task-row', { hasText: '渠道铺货' }).waitFor();
  await shot(tom, J, 'dashboard-department-at-risk');
  // So do the workload's: a week's hours open the estimated tasks under way that week.
  await tom.goto('/dashboard');
  await tom.locator('.heatmap a[href*="estimated=true"]').first().click();
  await tom.waitForURL(/estimated=true/);
  await tom.locator('.task-row', { hasText: '渠道铺货' }).waitFor();
  assert.deepEqual(tom.errors, []);
});
