// Story 1 of PRODUCT.md, "新产品上市": the marketing lead starts a cross-department project,
// assigns the first tasks to the leads of three departments, one lead reports progress and
// mentions another, who is notified; an overdue task is red; a viewer cannot edit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { adminToken, api, day, startServer } from '../lib/server.mjs';
import { launch, person, pick, shot, signIn } from '../lib/browser.mjs';

const J = 'story1';
const PASSWORD = 'a long enough password';
let server;
let chromium;
const people = {};
const pages = {};

before(async () => {
  server = await startServer();
  chromium = await launch();
  const admin = await adminToken(server.base);
  const dept = {};
  for (const name of ['市场部', '研发部', '生产部', '销售部']) {
    dept[name] = (await api(server.base, 'POST', '/departments', { name }, admin)).id;
  }
  const staff = [
    ['wang', '王芳', '市场部', '市场总监'],
    ['li', '李雷', '研发部', '研发经理'],
    ['zhang', '张伟', '生产部', '生产主管'],
    ['zhao', '赵敏', '销售部', '销售代表'],
  ];
  for (const [key, name, d, position] of staff) {
    const email = `${key}@example.com`;
    const u = await api(server.base, 'POST', '/auth/register', { email, name, department_id: dept[d], position, password: PASSWORD });
    await api(server.base, 'POST', `/admin/registrations/${u.id}/approve`, undefined, admin);
    people[key] = { id: u.id, email, name };
    pages[key] = await person(chromium.browser, server.base, { locale: 'zh-CN' });
  }
});

after(async () => {
  // Where everyone ended up: the first thing to look at when a step failed.
  for (const [key, page] of Object.entries(pages)) {
    await shot(page, J, `zz-end-${key}`).catch(() => {});
  }
  await chromium?.close();
  await server?.stop();
});

test('the marketing lead creates 新产品上市 with three departments and three milestones', async () => {
  const p = pages.wang;
  await signIn(p, people.wang.email, PASSWORD);
  await p.goto('/projects');
  await p.getByText('还没有项目').waitFor();
  await shot(p, J, '01-project-center-empty');
  await p.getByRole('link', { name: '新建项目' }).click();
  await p.waitForURL('**/projects/new');
  // The form checks before sending: nothing filled in.
  await p.getByRole('button', { name: '创建项目' }).click();
  await p.getByText('此项必填').first().waitFor();
  await p.fill('#name', '新产品上市');
  await p.fill('#goal', '三个月内完成新产品从研发到上市的全流程');
  await p.fill('#start_date', day(-30));
  await p.fill('#end_date', day(62));
  for (const d of ['市场部', '研发部', '生产部', '销售部']) await p.getByLabel(d).check();
  const milestones = [['研发完成', day(15)], ['生产备货', day(41)], ['市场预热', day(56)]];
  for (const [i, [name, date]] of milestones.entries()) {
    await p.getByRole('button', { name: '添加里程碑' }).click();
    await p.locator('.milestone-row').nth(i).locator('input').nth(0).fill(name);
    await p.locator('.milestone-row').nth(i).locator('input[type=date]').fill(date);
  }
  // Corrected fields are no longer marked.
  assert.equal(await p.getByText('此项必填').count(), 0);
  await shot(p, J, '02-new-project');
  await p.getByRole('button', { name: '创建项目' }).click();
  await p.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
  await p.locator('h1', { hasText: '新产品上市' }).waitFor();
  people.project = p.url().split('/').pop();
  assert.deepEqual(p.errors, []);
});

test('she adds the leads as members, picked by department, and a viewer from sales', async () => {
  const p = pages.wang;
  await p.getByRole('link', { name: '成员' }).click();
  // The first by keyboard: type to filter, Down to highlight, Enter to pick (and not submit).
  await p.selectOption('#member-dept', { label: '研发部' });
  const person = p.getByRole('combobox', { name: '人员' });
  await person.fill('李');
  await p.locator('#member-person-listbox [role=option]', { hasText: '李雷 · 研发经理' }).waitFor();
  assert.equal(await person.getAttribute('aria-expanded'), 'true');
  await shot(p, J, '03-member-picker');
  // Escape closes the list and keeps what was chosen (nothing yet).
  await p.keyboard.press('Escape');
  assert.equal(await person.getAttribute('aria-expanded'), 'false');
  assert.equal(await person.inputValue(), '');
  await person.fill('李');
  await p.keyboard.press('ArrowDown');
  await p.keyboard.press('Enter');
  assert.equal(await person.inputValue(), '李雷 · 研发经理');
  assert.equal(await p.locator('.list .item-title', { hasText: '李雷' }).count(), 0);
  await p.selectOption('#member-role', 'editor');
  await p.getByRole('button', { name: '添加', exact: true }).click();
  await p.locator('.list .item-title', { hasText: '李雷' }).waitFor();
  // The others with the mouse.
  for (const [dept, who, role] of [['生产部', '张伟', 'editor'], ['销售部', '赵敏', 'viewer']]) {
    await p.selectOption('#member-dept', { label: dept });
    await pick(p, '#member-person', who);
    await p.selectOption('#member-role', role);
    await p.getByRole('button', { name: '添加', exact: true }).click();
    await p.locator('.list .item-title', { hasText: who }).waitFor();
  }
  await shot(p, J, '03-members');
});

test('she assigns 需求调研, 原型设计 and 生产排期 to the three leads; the overdue one is red', async () => {
  const p = pages.wang;
  await p.getByRole('link', { name: '任务', exact: true }).click();
  const tasks = [['需求调研', '王芳', day(-10)], ['原型设计', '李雷', day(43)], ['生产排期', '张伟', day(36)]];
  for (const [title, who, due] of tasks) {
    await p.fill('#new-task-title', title);
    await pick(p, '#new-task-assignee', who);
    await p.fill('#new-task-due', due);
    await p.locator('form.new-task').getByRole('button', { name: '添加' }).click();
    await p.locator('.task-row .item-title', { hasText: title }).waitFor();
  }
  // 需求调研 was due ten days ago: overdue, shown in red.
  const row = p.locator('.task-row', { hasText: '需求调研' });
  await row.locator('.badge', { hasText: '已逾期' }).waitFor();
  assert.match(await row.getAttribute('class'), /overdue/);
  assert.doesNotMatch(await p.locator('.task-row', { hasText: '生产排期' }).getAttribute('class'), /overdue/);
  // Filters live in the URL.
  await p.selectOption('#filter-overdue', 'true');
  await p.waitForURL(/overdue=true/);
  await p.locator('.task-row', { hasText: '生产排期' }).waitFor({ state: 'detached' });
  assert.equal(await p.locator('.task-row').count(), 1);
  await shot(p, J, '04-tasks-overdue-filter');
  await p.selectOption('#filter-overdue', '');
  await p.locator('.task-row', { hasText: '生产排期' }).waitFor();
  // More filters: by the assignee's department (研发部 → 李雷's task only).
  await p.getByText('更多筛选').click();
  await p.selectOption('#filter-department', { label: '研发部' });
  await p.waitForURL(/department_id=/);
  await p.locator('.task-row', { hasText: '生产排期' }).waitFor({ state: 'detached' });
  assert.deepEqual(await p.locator('.task-row .item-title').allTextContents(), ['原型设计']);
  await shot(p, J, '05a-tasks-by-department');
  await p.selectOption('#filter-department', '');
  await p.locator('.task-row', { hasText: '生产排期' }).waitFor();
  await shot(p, J, '05-tasks');
  // Settings: moving the end before a milestone is refused with a clear message.
  await p.getByRole('link', { name: '设置' }).click();
  await p.fill('#settings-end', day(1));
  await p.getByRole('button', { name: '保存' }).click();
  await p.locator('.toast', { hasText: '请检查标出的字段' }).waitFor();
  await p.getByText('有里程碑会落在项目周期之外').waitFor();
  await shot(p, J, '05b-settings');
  // The project center shows progress and the overdue count.
  await p.goto('/projects');
  await p.locator('.project-card', { hasText: '新产品上市' }).getByText('已逾期 1').waitFor();
  await shot(p, J, '06-project-center');
  assert.deepEqual(p.errors, []);
});

test('the R&D lead reports progress and mentions the production lead', async () => {
  const p = pages.li;
  await signIn(p, people.li.email, PASSWORD);
  await p.getByRole('link', { name: '任务中心' }).click();
  await p.locator('.task-row .item-title', { hasText: '原型设计' }).click();
  await p.waitForURL(/\/tasks\//);
  await p.locator('h1', { hasText: '原型设计' }).waitFor();
  // A range input: set like a person dragging it (the form appears once the role is known).
  await p.locator('#progress-percent').waitFor();
  await p.$eval('#progress-percent', (el) => {
    el.value = '40';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await p.fill('#progress-note', '交互原型完成，视觉稿进行中');
  await p.getByRole('button', { name: '更新进度' }).click();
  await p.getByText('交互原型完成，视觉稿进行中').waitFor();
  await p.locator('h2', { hasText: '40%' }).waitFor();
  // @-autocomplete: typing "@张" suggests 张伟.
  await p.locator('#comment-body').fill('@张');
  await p.getByRole('button', { name: '@张伟' }).click();
  // Picking a name hands the keyboard back to the text, after the name: keep typing.
  await p.waitForFunction(() => {
    const el = document.activeElement;
    return el?.id === 'comment-body' && el.selectionStart === el.value.length;
  });
  await p.keyboard.type('原型评审安排在周五，请准备产线评估');
  await p.getByRole('button', { name: '发表', exact: true }).click();
  await p.locator('.comment', { hasText: '@张伟 原型评审安排在周五' }).waitFor();
  // An attachment, uploaded with progress and kept with its hash.
  await p.setInputFiles('#attachment-file', { name: '原型说明.txt', mimeType: 'text/plain', buffer: Buffer.from('交互原型 v1') });
  await p.locator('.attachment', { hasText: '原型说明.txt' }).waitFor();
  // A cost estimate only the production lead may see (besides its uploader and the admins).
  await p.setInputFiles('#attachment-file', { name: '成本估算.txt', mimeType: 'text/plain', buffer: Buffer.from('单件成本 42 元') });
  const cost = p.locator('.attachment', { hasText: '成本估算.txt' });
  await cost.waitFor();
  await cost.locator('summary', { hasText: '可见范围' }).click();
  await cost.getByLabel('仅限指定成员').check();
  await cost.getByLabel('张伟').check();
  await cost.getByRole('button', { name: '保存' }).click();
  await cost.getByText('仅限：张伟').waitFor();
  await shot(p, J, '07-task-progress-comment');
  assert.deepEqual(p.errors, []);
});

test('the production lead sees the mention in the notification bell and opens the task', async () => {
  const p = pages.zhang;
  await signIn(p, people.zhang.email, PASSWORD);
  // Unread: the approval of the account, being added to the project, 生产排期 assigned to him,
  // and the mention.
  const bell = p.locator('button.bell');
  await bell.locator('.count', { hasText: '4' }).waitFor();
  await bell.click();
  await p.locator('.notification', { hasText: '原型设计' }).waitFor();
  // Rendered in the reader's language from the notification's kind and data: Chinese only.
  await p.locator('.notification', { hasText: '李雷 在「原型设计」中提到了你' }).waitFor();
  assert.equal(await p.locator('.notification', { hasText: 'mentioned you' }).count(), 0);
  await p.locator('.notification', { hasText: '把「生产排期」分配给了你' }).waitFor();
  await p.locator('.notification', { hasText: '把你加入了项目「新产品上市」' }).waitFor();
  await shot(p, J, '08-notification');
  await p.locator('.notification', { hasText: '原型设计' }).click();
  await p.waitForURL(/\/tasks\//);
  await p.locator('.comment', { hasText: '原型评审安排在周五' }).waitFor();
  await bell.locator('.count', { hasText: '3' }).waitFor();
  await p.locator('.attachment', { hasText: '成本估算.txt' }).waitFor();
  // 原型设计 is 李雷's: only he or a project administrator hands it over.
  assert.ok(await p.locator('#task-assignee').isDisabled());
  await p.locator('#task-assignee-hint', { hasText: '只有当前负责人或项目管理员可以转交此任务' }).waitFor();
  // Restricted to him, the cost estimate is his to read; who sees it is its uploader's call.
  assert.equal(
    await p.locator('.attachment', { hasText: '成本估算.txt' }).locator('select').count(),
    0,
  );
  // 原型设计 waits for 需求调研 (finish-to-start): blocked until that is done.
  await p.selectOption('#dependency-task', { label: '需求调研' });
  await p.getByRole('button', { name: '添加前置任务' }).click();
  await p.locator('.list-item', { hasText: '需求调研' }).getByText('阻塞中').waitFor();
  await shot(p, J, '08b-dependency');
  assert.deepEqual(p.errors, []);
});

test('a viewer from sales reads everything and can change nothing', async () => {
  const p = pages.zhao;
  await signIn(p, people.zhao.email, PASSWORD);
  await p.goto(`/projects/${people.project}`);
  await p.locator('.task-row', { hasText: '原型设计' }).waitFor();
  // The role has loaded (its badge shows) before "nothing to edit" means anything: without
  // it, an editor's page would pass these checks too.
  await p.locator('.page-head .badge', { hasText: '查看者' }).waitFor();
  assert.equal(await p.locator('form.new-task').count(), 0);
  assert.equal(await p.locator('.task-row select').count(), 0);
  await p.locator('.task-row .item-title', { hasText: '原型设计' }).click();
  await p.locator('h1', { hasText: '原型设计' }).waitFor();
  // The project (and with it the role) has loaded: the crumbs name it.
  await p.locator('.crumbs a', { hasText: '新产品上市' }).waitFor();
  assert.ok(await p.locator('#task-title').isDisabled());
  assert.equal(await p.locator('#comment-body').count(), 0);
  // Attachments: the shared one, not the one restricted to the production lead.
  await p.locator('.attachment', { hasText: '原型说明.txt' }).waitFor();
  assert.equal(await p.locator('.attachment', { hasText: '成本估算.txt' }).count(), 0);
  // The activity log names the predecessor rather than showing an id.
  await p.locator('.activity', { hasText: '需求调研' }).waitFor();
  await shot(p, J, '09-viewer-task');
  // The API refuses it too.
  const login = await api(server.base, 'POST', '/auth/login', { login: people.zhao.email, password: PASSWORD });
  const taskId = p.url().split('/').pop();
  const r = await fetch(`${server.base}/api/v1/tasks/${taskId}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${login.access_token}`, 'Content-Type': 'application/json', 'If-Match': '*' },
    body: JSON.stringify({ title: '改名' }),
  });
  assert.equal(r.status, 403);
  assert.deepEqual(p.errors, []);
});

test('comments and mentions arrive live, without a reload', async () => {
  // 李雷 still has 原型设计 open from earlier; 张伟 answers him there.
  const li = pages.li;
  const zhang = pages.zhang;
  await li.locator('h1', { hasText: '原型设计' }).waitFor();
  const bell = li.locator('button.bell');
  const before = Number((await bell.locator('.count').textContent().catch(() => '0')) || '0');
  await zhang.locator('#comment-body').fill('@李');
  await zhang.getByRole('button', { name: '@李雷' }).click();
  await zhang.waitForFunction(() => {
    const el = document.activeElement;
    return el?.id === 'comment-body' && el.selectionStart === el.value.length;
  });
  await zhang.keyboard.type('产线评估已完成，周五可以评审');
  await zhang.getByRole('button', { name: '发表', exact: true }).click();
  // Well inside the 10 s step timeout, far sooner than the bell's one-minute poll.
  await li.locator('.comment', { hasText: '产线评估已完成' }).waitFor();
  await bell.locator('.count', { hasText: String(before + 1) }).waitFor();
  // The dependency 张伟 added earlier shows on 李雷's page too (it changed the task).
  await li.locator('.list-item', { hasText: '需求调研' }).getByText('阻塞中').waitFor();
  await shot(li, J, '10-live-comment');
  assert.deepEqual(li.errors, []);
  assert.deepEqual(zhang.errors, []);
});

test('the production lead reviews his notifications by kind and turns comments off', async () => {
  const p = pages.zhang;
  await p.goto('/me/notifications');
  await p.locator('.notification', { hasText: '李雷 在「原型设计」中提到了你' }).first().waitFor();
  await p.locator('#notification-kind').selectOption('task.assigned');
  await p.locator('.notification', { hasText: '把「生产排期」分配给了你' }).waitFor();
  await p.waitForFunction(() => !document.querySelector('.notification-list')?.textContent.includes('提到了你'));
  await p.locator('input.in-app[data-kind="task.commented"]').uncheck();
  await p.locator('.toast', { hasText: '已保存' }).waitFor();
  await shot(p, J, '11-notifications');
  // The server keeps the choice.
  const login = await api(server.base, 'POST', '/auth/login', { login: people.zhang.email, password: PASSWORD });
  const settings = await api(server.base, 'GET', '/me/notification-settings', undefined, login.access_token);
  const commented = settings.items.find((s) => s.kind === 'task.commented');
  assert.deepEqual(commented, { kind: 'task.commented', in_app: false, email: true });
  assert.deepEqual(p.errors, []);
});

test('a task created, renamed and deleted elsewhere shows in an open task list without a reload', async () => {
  const p = pages.zhang;
  await p.goto(`/projects/${people.project}`);
  await p.locator('.task-row', { hasText: '原型设计' }).waitFor();
  // The marketing lead works over the API while he looks at the list.
  const login = await api(server.base, 'POST', '/auth/login', { login: people.wang.email, password: PASSWORD });
  const token = login.access_token;
  const t = await api(server.base, 'POST', `/projects/${people.project}/tasks`, { title: '渠道招商' }, token);
  await p.locator('.task-row', { hasText: '渠道招商' }).waitFor();
  const r = await fetch(`${server.base}/api/v1/tasks/${t.id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'If-Match': `"${t.version}"` },
    body: JSON.stringify({ title: '渠道招商（华东）' }),
  });
  assert.equal(r.status, 200);
  await p.locator('.task-row', { hasText: '渠道招商（华东）' }).waitFor();
  await shot(p, J, '12-live-list');
  await api(server.base, 'DELETE', `/tasks/${t.id}`, undefined, token);
  await p.waitForFunction(() => ![...document.querySelectorAll('.task-row')].some((r) => r.textContent.includes('渠道招商')));
  assert.deepEqual(p.errors, []);
});
