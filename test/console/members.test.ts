/**
 * Members in the console: an admin adds one (who can then sign in) and removes them; a password under 12
 * characters is refused before it is sent; anyone else is told only an admin manages members, and the API
 * refuses them.
 */
import { expect, it } from 'vitest';
import { describeConsole, useConsoleGateway } from './console-harness.js';

describeConsole('the members page', () => {
  const gate = useConsoleGateway({ onlyServers: true });

  it('lets an admin add a member, who can sign in, and remove them', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'admin');
    await page.goto(`${gate().consoleUrl}#/members`);
    await page.getByRole('row', { name: /vic/ }).waitFor();
    const form = page.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Name').fill('nina');
    await form.getByLabel('Role').selectOption('approver');
    await form.getByLabel(/Password/).fill('too short');
    await form.getByRole('button', { name: 'Add member' }).click();
    // The browser's own check (minlength) or ours stops it: nina is not added.
    expect(await page.getByRole('row', { name: /nina/ }).count()).toBe(0);

    await form.getByLabel(/Password/).fill('nina-approver-passphrase');
    await form.getByRole('button', { name: 'Add member' }).click();
    const row = page.getByRole('row', { name: /nina/ });
    await row.waitFor();
    expect(await row.getByRole('cell', { name: 'approver' }).count()).toBe(1);

    const nina = await gate().newPage();
    await nina.goto(gate().consoleUrl);
    await nina.getByLabel('Name').fill('nina');
    await nina.getByLabel('Password').fill('nina-approver-passphrase');
    await nina.getByLabel('Password').press('Enter');
    await nina.getByText('nina (approver)').waitFor();

    await row.getByRole('button', { name: 'Remove nina' }).click();
    await page.getByRole('button', { name: 'Remove member' }).click();
    await expect.poll(() => page.getByRole('row', { name: /nina/ }).count()).toBe(0);
    const api = await gate().api('admin');
    expect((await api.get('/admin/members')).body.members.map((member: any) => member.name)).not.toContain('nina');
  });

  it('tells anyone but an admin that only an admin manages members, and the API refuses them', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'policy_manager');
    await page.goto(`${gate().consoleUrl}#/members`);
    await page.getByText('Only an admin adds or removes members.').waitFor();
    expect(await page.getByRole('form', { name: 'Add a member' }).count()).toBe(0);
    const api = await gate().api('policy_manager');
    const refused = await api.send('POST', '/admin/members', {
      name: 'mallory',
      role: 'admin',
      password: 'mallory-passphrase-long',
    });
    expect(refused.status).toBe(403);
  });
});
