// Journey: an administrator set up from the environment lets a new colleague in, who then sets up
// their personal center, switches language, reloads deep links and outlives an expired token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ADMIN, adminToken, api, startServer } from '../lib/server.mjs';
import { answerConfirm, avatarPng, launch, person, shot } from '../lib/browser.mjs';

const J = 'accounts';
let server;
let chromium;
let admin; // the administrator's page
let user; // the new colleague's page
const USER = { email: 'li.lei@example.com', name: '李雷', position: 'Product manager', password: 'a long enough password' };

before(async () => {
  server = await startServer();
  chromium = await launch();
  admin = await person(chromium.browser, server.base);
  user = await person(chromium.browser, server.base);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

async function signIn(page, login, password) {
  await page.goto('/login');
  // Keyboard only: focus the first field, type, Tab to the next, Enter submits.
  await page.focus('#login');
  await page.keyboard.type(login);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

async function toast(page, text) {
  await page.locator('.toast', { hasText: text }).first().waitFor();
}

test('the administrator signs in and creates departments', async () => {
  await admin.goto('/');
  await admin.waitForURL('**/login?next=*');
  await shot(admin, J, '01-login');
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.waitForURL('**/me');
  await admin.locator('h1', { hasText: 'Personal center' }).waitFor();

  await admin.getByRole('link', { name: 'Departments' }).click();
  await admin.waitForURL('**/admin/departments');
  await admin.getByText('No departments yet').waitFor();
  await shot(admin, J, '02-departments-empty');
  for (const name of ['市场部', '研发部', '临时组']) {
    await admin.fill('#dept-name', name);
    await admin.getByRole('button', { name: 'Add' }).click();
    await admin.locator('.list .item-title', { hasText: name }).waitFor();
  }
  // Put R&D under Marketing, then rename the temporary group and delete it (it is empty).
  // (While an item is being edited its name is in an input, so the form is found as the one open form.)
  await admin.getByRole('button', { name: 'Edit 研发部' }).click();
  const form = admin.locator('.list-item form');
  await form.getByLabel('Parent department').selectOption({ label: '市场部' });
  await form.getByRole('button', { name: 'Save' }).click();
  await admin.locator('.list-item', { hasText: '研发部' }).getByText('Parent department: 市场部').waitFor();
  await admin.getByRole('button', { name: 'Edit 临时组' }).click();
  await form.getByLabel('Department name').fill('临时项目组');
  await form.getByRole('button', { name: 'Save' }).click();
  await admin.locator('.list .item-title', { hasText: '临时项目组' }).waitFor();
  await admin.locator('.list-item', { hasText: '临时项目组' }).getByRole('button', { name: 'Delete' }).click();
  await answerConfirm(admin);
  await admin.locator('.list .item-title', { hasText: '临时项目组' }).waitFor({ state: 'detached' });
  await shot(admin, J, '03-departments');
  assert.deepEqual(admin.errors, []);
});

test('a colleague registers with inline validation and waits for approval', async () => {
  await user.goto('/register');
  await user.locator('#department_id').waitFor();
  // Inline validation, with the server's rules, before anything is sent.
  await user.fill('#password', 'short');
  await user.locator('#password').blur();
  await user.getByText('At least 10 characters', { exact: true }).waitFor();
  await user.getByRole('button', { name: 'Register' }).click();
  await user.getByText('Enter an e-mail or an employee ID').waitFor();
  assert.equal(await user.locator('#email').getAttribute('aria-invalid'), 'true');
  await shot(user, J, '04-register-errors');

  await user.fill('#email', USER.email);
  await user.fill('#name', USER.name);
  await user.selectOption('#department_id', { label: '研发部' });
  await user.fill('#position', USER.position);
  await user.fill('#password', USER.password);
  await user.fill('#confirm', USER.password);
  await user.getByRole('button', { name: 'Register' }).click();
  await user.waitForURL('**/pending?registered=1');
  await user.locator('h1', { hasText: 'Awaiting approval' }).waitFor();
  await shot(user, J, '05-pending');

  // Signing in before approval lands on the same explanation.
  await signIn(user, USER.email, USER.password);
  await user.waitForURL('**/pending');
  await user.locator('h1', { hasText: 'Awaiting approval' }).waitFor();
});

test('the administrator approves one registration and rejects another with a reason', async () => {
  // A second registration, made over the API, to be rejected.
  const depts = await api(server.base, 'GET', '/departments');
  await api(server.base, 'POST', '/auth/register', {
    employee_id: 'E9001', name: '韩梅梅', department_id: depts.items[0].id, position: 'Intern', password: 'another long password',
  });
  await admin.getByRole('link', { name: 'Approvals' }).click();
  await admin.locator('.registration', { hasText: USER.name }).waitFor();
  await admin.locator('.registration', { hasText: '韩梅梅' }).waitFor();
  await shot(admin, J, '06-approvals');
  const han = admin.locator('.registration', { hasText: '韩梅梅' });
  await han.getByRole('button', { name: 'Reject' }).click();
  await han.getByRole('button', { name: 'Reject' }).click(); // empty reason: refused in the form
  await han.getByText('Required').waitFor();
  await han.getByLabel('Reason for rejecting').fill('请使用公司邮箱重新注册');
  await han.getByRole('button', { name: 'Reject' }).click();
  await toast(admin, 'Rejected: 韩梅梅');
  await admin.locator('.registration', { hasText: USER.name }).getByRole('button', { name: /Approve/ }).click();
  await toast(admin, `Approved: ${USER.name}`);
  await admin.getByText('No registrations waiting').waitFor();
  await shot(admin, J, '07-approvals-done');
  assert.deepEqual(admin.errors, []);
});

test('the new colleague signs in and sets up the personal center', async () => {
  await signIn(user, USER.email, USER.password);
  await user.waitForURL('**/me');
  await user.locator('.facts').getByText('研发部').waitFor();

  // Profile fields, with the phone rule checked in the browser first.
  await user.fill('#phone', 'call me');
  await user.getByRole('button', { name: 'Save' }).click();
  await user.getByText('Digits, spaces and + - ( ) only').waitFor();
  await user.fill('#phone', '+86 138 0000 0000');
  await user.fill('#contact', '企业微信: lilei');
  await user.getByRole('button', { name: 'Save' }).click();
  await toast(user, 'Saved');

  // Avatar: preview first, then upload; the top bar shows the picture.
  await user.setInputFiles('#avatar-file', avatarPng());
  await user.getByAltText('Avatar preview').waitFor();
  await user.getByRole('button', { name: 'Upload avatar' }).click();
  await toast(user, 'Avatar updated');
  await user.locator('.menu-button img.avatar').waitFor();
  await shot(user, J, '08-profile');

  // A quick reply.
  await user.getByRole('link', { name: 'Quick replies' }).click();
  await user.getByText('No quick replies yet').waitFor();
  await user.fill('#qr-title', '收到');
  await user.fill('#qr-body', '收到，我今天下班前处理。');
  await user.getByRole('button', { name: 'Add' }).click();
  await toast(user, 'Quick reply added');
  await user.locator('.list .item-title', { hasText: '收到' }).waitFor();
  await shot(user, J, '09-quick-replies');

  // A token: shown once with a copy button, listed, then revoked.
  await user.getByRole('link', { name: 'Access tokens' }).click();
  await user.getByText('No access tokens yet').waitFor();
  await user.fill('#token-name', 'CI');
  await user.getByLabel('Write').check();
  await user.getByRole('button', { name: 'Create token' }).click();
  const token = await user.locator('#new-token').textContent();
  assert.match(token, /^tdm_/);
  await user.getByRole('button', { name: 'Copy' }).click();
  await toast(user, 'Copied to the clipboard');
  assert.equal(await user.evaluate(() => navigator.clipboard.readText()), token);
  await shot(user, J, '10-token-created');
  // The token works against the API.
  const me = await api(server.base, 'GET', '/me', undefined, token);
  assert.equal(me.email, USER.email);
  await user.getByRole('button', { name: 'Done' }).click();
  await user.locator('.list .item-title', { hasText: 'CI' }).waitFor();
  await user.getByRole('button', { name: 'Revoke CI' }).click();
  await answerConfirm(user);
  await toast(user, 'Token revoked');
  await user.getByText('No access tokens yet').waitFor();
  await assert.rejects(api(server.base, 'GET', '/me', undefined, token), /401/);

  // A new password: a wrong current one is a field error; afterwards this session goes on.
  await user.getByRole('link', { name: 'Security' }).click();
  await user.fill('#current_password', 'not my password');
  await user.fill('#new_password', 'my brand new password');
  await user.fill('#confirm_new', 'my brand new password');
  await user.getByRole('button', { name: 'Change password' }).click();
  await user.getByText('The current password is wrong').waitFor();
  await user.fill('#current_password', USER.password);
  await user.getByRole('button', { name: 'Change password' }).click();
  await toast(user, 'Password changed');
  USER.password = 'my brand new password';
  await shot(user, J, '10b-security');
  await user.getByRole('link', { name: 'Profile' }).click();
  await user.locator('.facts').getByText('研发部').waitFor();
  await assert.rejects(api(server.base, 'POST', '/auth/login', { login: USER.email, password: 'a long enough password' }), /401/);
  assert.deepEqual(user.errors, []);
});

test('switching to 简体中文 translates the page and is remembered', async () => {
  await user.getByLabel('Language').selectOption('zh-CN');
  await user.locator('h1', { hasText: '个人中心' }).waitFor();
  assert.equal(await user.getAttribute('html', 'lang'), 'zh-CN');
  await user.getByRole('link', { name: '快捷回复' }).click();
  await user.getByRole('heading', { name: '新建快捷回复' }).waitFor();
  await shot(user, J, '11-zh-quick-replies');
  await user.reload();
  await user.getByRole('heading', { name: '新建快捷回复' }).waitFor();
});

test('reloading a deep link keeps the user signed in and on that page', async () => {
  await user.getByRole('link', { name: '通讯录' }).click();
  await user.locator('.list .item-title', { hasText: USER.name }).click();
  await user.waitForURL(/\/people\/[0-9a-f-]{36}$/);
  const url = user.url();
  await user.reload();
  await user.locator('h1', { hasText: USER.name }).waitFor();
  assert.equal(user.url(), url);
  await shot(user, J, '12-person-deep-link');
  // A deep link opened in a new tab of the same browser profile works too.
  const tab = await user.context().newPage();
  await tab.goto('/me/quick-replies');
  await tab.getByRole('heading', { name: '新建快捷回复' }).waitFor();
  await tab.close();
});

test('an expired access token is refreshed without the user noticing', async () => {
  const refreshes = [];
  const answers = [];
  user.on('request', (r) => { if (r.url().endsWith('/api/v1/auth/refresh')) refreshes.push(r.url()); });
  // What the API answered, to tell on a failure why the page did not show.
  user.on('response', (r) => { if (r.url().includes('/api/')) answers.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`); });
  const showsTokens = async () => {
    try {
      await user.getByRole('heading', { name: '新建访问令牌' }).waitFor();
    } catch (e) {
      await shot(user, 'accounts', 'refresh-failed');
      throw new Error(`${e.message}\nat ${user.url()}; refreshes: ${refreshes.length}; API answers:\n${answers.join('\n')}`);
    }
  };

  // The server refuses the token (as it would a timed-out one): 401, refresh, retry.
  await user.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('tandem.session'));
    s.access_token = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.expired';
    localStorage.setItem('tandem.session', JSON.stringify(s));
  });
  await user.goto('/me/tokens');
  await showsTokens();
  assert.equal(refreshes.length, 1);

  // The browser knows the token is about to expire: refreshed before the request is sent.
  await user.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('tandem.session'));
    s.expires_at_ms = Date.now() - 1000;
    localStorage.setItem('tandem.session', JSON.stringify(s));
  });
  await user.reload();
  await showsTokens();
  assert.equal(refreshes.length, 2);
  assert.ok(!user.url().includes('/login'));
  assert.deepEqual(user.errors, []);
});

test('the administrator makes the colleague head of their department', async () => {
  await admin.getByRole('link', { name: 'Departments' }).click();
  await admin.getByRole('button', { name: 'Edit 研发部' }).click();
  const form = admin.locator('.list-item form');
  // The head is chosen among the department's members.
  await form.getByLabel('Head').selectOption({ label: USER.name });
  await form.getByRole('button', { name: 'Save' }).click();
  await admin.locator('.list-item', { hasText: '研发部' }).getByText(`Head: ${USER.name}`).waitFor();
  // A department with members cannot be deleted.
  await admin.locator('.list-item', { hasText: '研发部' }).getByRole('button', { name: 'Delete' }).click();
  await answerConfirm(admin);
  await toast(admin, 'The department still has members.');
  await admin.locator('.list .item-title', { hasText: '研发部' }).waitFor();
  await shot(admin, J, '13-department-head');
});

test('the administrator finds the colleague, and deactivating them ends their session', async () => {
  await admin.getByRole('link', { name: 'People' }).click();
  await admin.selectOption('#filter-department', { label: '研发部' });
  await admin.waitForURL(/department=/);
  await admin.locator('.list .item-title', { hasText: USER.name }).waitFor();
  await admin.fill('#filter-q', 'nobody-matches-this');
  await admin.keyboard.press('Enter');
  await admin.getByText('Nobody found').waitFor();
  await admin.fill('#filter-q', 'li.lei');
  await admin.keyboard.press('Enter');
  await admin.locator('.list .item-title', { hasText: USER.name }).waitFor();
  await shot(admin, J, '14-directory');

  await admin.locator('.list .item-title', { hasText: USER.name }).click();
  await admin.getByRole('heading', { name: 'Manage account' }).waitFor();
  await admin.getByLabel('Position').fill('Senior product manager');
  await admin.getByRole('button', { name: 'Save' }).click();
  await toast(admin, 'Saved');
  await admin.getByText('Senior product manager').first().waitFor();
  await admin.getByRole('button', { name: 'Deactivate account' }).click();
  await answerConfirm(admin);
  await admin.locator('.badge', { hasText: 'Deactivated' }).waitFor();
  await shot(admin, J, '15-person-admin');

  // The colleague's next request fails, the refresh is refused: back to the login page with a message.
  await user.getByRole('link', { name: '项目中心' }).click();
  await user.waitForURL('**/login?next=*');
  await user.getByText('登录已过期，请重新登录。').waitFor();
  await shot(user, J, '16-session-ended');
});

test('the audit log shows what happened, filtered by action', async () => {
  await admin.getByRole('link', { name: 'Audit log' }).click();
  await admin.locator('table').waitFor();
  await admin.fill('#audit-action', 'user.approved');
  await admin.getByRole('button', { name: 'Filter' }).click();
  const rows = admin.locator('tbody tr');
  // Until the filtered page has replaced the unfiltered one (the rows shown before the click
  // are there at once, and were read instead once on a busy machine).
  await admin.waitForFunction(() => {
    const cells = [...document.querySelectorAll('tbody tr td:nth-child(3)')];
    return cells.length > 0 && cells.every((td) => td.textContent === 'user.approved');
  });
  for (const text of await rows.locator('td:nth-child(3)').allTextContents()) {
    assert.equal(text, 'user.approved');
  }
  await shot(admin, J, '17-audit');
  assert.deepEqual(admin.errors, []);
});

test('keyboard users see where focus is and can skip to the content', async () => {
  await admin.goto('/me');
  await admin.locator('h1').waitFor();
  await admin.keyboard.press('Tab');
  const focused = await admin.evaluate(() => document.activeElement?.className);
  assert.equal(focused, 'skip-link');
  await admin.keyboard.press('Enter');
  assert.equal(await admin.evaluate(() => document.activeElement?.id), 'main');
});

test('`next` after signing in never leads to another site', async () => {
  for (const next of ['/%5Cevil.example', '//evil.example', '/%09/evil.example', 'https://evil.example/']) {
    await admin.goto(`/login?next=${encodeURIComponent(decodeURIComponent(next))}`);
    await admin.waitForURL((u) => u.origin === server.base && !u.pathname.startsWith('/login'));
    assert.equal(new URL(admin.url()).origin, server.base, next);
  }
  // A path on this site is honoured.
  await admin.goto(`/login?next=${encodeURIComponent('/people?q=li')}`);
  await admin.waitForURL('**/people?q=li');
});
