/**
 * Grants in the console against a real gateway: an admin creates one and gets its token once with the client
 * configs, a real MCP client uses that token, and revoking it in the console shuts that client out; a viewer sees
 * no way to create one, and the API refuses them anyway.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { connectWithToken } from '../e2e/harness.js';
import { describeConsole, useConsoleGateway } from './console-harness.js';

describeConsole('the grants page', () => {
  const gate = useConsoleGateway({
    policy: { version: '1', default: 'deny', tools: { 'files:read_text_file': {}, 'files:list_directory': {} } },
  });

  it('creates a grant, shows its token once, and the token works for a real MCP client', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'admin');
    await page.getByRole('link', { name: 'Grants' }).click();
    await page.getByRole('button', { name: 'Create grant' }).click();
    const form = page.getByRole('form', { name: 'New grant' });
    await form.getByLabel('Label').fill('ui-agent');
    await form.getByLabel('Policy').selectOption({ index: 1 });
    await form.getByLabel('All servers, and any added later').uncheck();
    await form.getByLabel('files').check();
    await form.getByRole('button', { name: 'Create grant' }).click();

    await page.getByRole('heading', { name: 'Token for “ui-agent”' }).waitFor();
    expect(await page.getByText('Shown once.').count()).toBe(1);
    const token = (await page.getByLabel('Token', { exact: true }).textContent())!.trim();
    expect(token).toMatch(/^tg_/);
    // The three clients' configs, in tabs: those that speak HTTP carry the token; Claude Desktop starts
    // `toolgate stdio --grant ui-agent` and needs none.
    for (const client of ['Cursor', 'VS Code']) {
      await page.getByRole('tab', { name: client }).click();
      expect(await page.getByLabel(`${client} configuration`).textContent()).toContain(token);
    }
    await page.getByRole('tab', { name: 'Claude Desktop' }).click();
    const claude = JSON.parse((await page.getByLabel('Claude Desktop configuration').textContent())!);
    expect(claude.mcpServers.toolgate.args).toEqual(expect.arrayContaining(['stdio', '--grant', 'ui-agent']));
    // The arrow keys move between the tabs, as the tabs pattern has it.
    await page.getByRole('tab', { name: 'Claude Desktop' }).press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Cursor' }).getAttribute('aria-selected')).toBe('true');
    const row = page.getByRole('row', { name: /ui-agent/ });
    expect(await row.getByRole('cell', { name: 'files', exact: true }).count()).toBe(1);

    const agent = await gate().agent(token);
    const names = (await agent.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('files__read_text_file');
    expect(names.some((name) => name.startsWith('memory__'))).toBe(false);

    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByText(token).count()).toBe(0);
  });

  it('revokes a grant after a confirmation, and its token is refused from then on', async () => {
    const token = gate().createGrant('doomed');
    const before = await connectWithToken(gate().mcpUrl, token);
    await before.close();
    const page = await gate().newPage();
    await gate().signIn(page, 'admin');
    await page.goto(`${gate().consoleUrl}#/grants`);
    await page.getByRole('button', { name: 'Revoke doomed' }).click();
    await page.getByRole('button', { name: 'Revoke grant' }).click();
    const row = page.getByRole('row', { name: /doomed/ });
    await row.getByText('revoked').waitFor();
    await expect(connectWithToken(gate().mcpUrl, token)).rejects.toThrow();
  });

  it('rotates a token: the new one shown once works, the old one is refused', async () => {
    const old = gate().createGrant('rotating');
    const page = await gate().newPage();
    await gate().signIn(page, 'admin');
    await page.goto(`${gate().consoleUrl}#/grants`);
    await page.getByRole('button', { name: 'Rotate rotating' }).click();
    await page.getByRole('button', { name: 'Rotate token' }).click();
    await page.getByRole('heading', { name: 'Token for “rotating”' }).waitFor();
    const token = (await page.getByLabel('Token', { exact: true }).textContent())!.trim();
    expect(token).not.toBe(old);
    await (await gate().agent(token)).listTools();
    await expect(connectWithToken(gate().mcpUrl, old)).rejects.toThrow();
  });

  it("lets a policy manager change only a grant's policy", async () => {
    const other = join(gate().folder, 'other-policy.json');
    writeFileSync(other, JSON.stringify({ version: '1', default: 'deny', tools: {} }));
    gate().createGrant('managed');
    gate().toolgate('grants', 'create', '--label', 'holder', '--policy', other);
    const page = await gate().newPage();
    await gate().signIn(page, 'policy_manager');
    await page.goto(`${gate().consoleUrl}#/grants`);
    await page.getByRole('row', { name: /managed/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Create grant' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Edit managed' }).click();
    const form = page.getByRole('form', { name: 'Edit managed' });
    expect(await form.getByLabel('Label').count()).toBe(0);
    const choices = await form.getByLabel('Policy').locator('option').allTextContents();
    await form
      .getByLabel('Policy')
      .selectOption({ label: choices.find((text) => text.includes('other-policy.json'))! });
    await form.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('row', { name: /managed/ })
      .getByText('other-policy.json')
      .waitFor();
  });

  it('shows a viewer no create button, and the API refuses them', async () => {
    gate().createGrant('watched');
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    await page.goto(`${gate().consoleUrl}#/grants`);
    await page.getByRole('row', { name: /watched/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Create grant' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Rotate|Revoke)/ }).count()).toBe(0);
    const api = await gate().api('viewer');
    const refused = await api.send('POST', '/admin/grants', { label: 'sneaky' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual(expect.any(String));
    expect((await api.get('/admin/grants')).body.grants.map((grant: any) => grant.label)).not.toContain('sneaky');
  });
});
