/**
 * Approvals in real Chromium against a real gateway: a real agent's call held by the policy waits while an
 * approver sees it arrive (announced, without a reload), with its risk, arguments and countdown, and approves it
 * with the keyboard alone; the agent's call then finishes with the tool's own result. Also: secrets masked and
 * revealed, the wait extended, several denied at once, and a viewer who sees but cannot act.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { textOf } from '../e2e/harness.js';
import { describeConsole, useConsoleGateway } from './console-harness.js';

const HELD = {
  version: '1',
  default: 'allow',
  tools: {
    'files:write_file': { action: 'require_approval', reason: 'Writes need a person.' },
    'memory:create_entities': { action: 'require_approval', reason: 'New memories need a person.' },
  },
};

describeConsole('the approvals page', () => {
  // A held call waits up to two minutes for a person, so the agent's call is still open when the console approves.
  const gate = useConsoleGateway({ config: { approvals: { waitMs: 120_000, expireMs: 600_000 } } });

  async function openApprovals(page: Page, role: 'approver' | 'viewer' | 'admin'): Promise<void> {
    await gate().signIn(page, role);
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('tab', { name: /^Pending/ }).waitFor();
  }
  const card = (page: Page, text: string) => page.getByRole('article').filter({ hasText: text });

  // Each test starts with nothing pending: what one leaves (when it fails) is denied, so its agent's call ends.
  afterEach(async () => {
    const admin = await gate().api('admin');
    const { body } = await admin.get('/admin/approvals?status=pending');
    for (const { id } of body.approvals as { id: string }[]) {
      await admin.send('POST', `/admin/approvals/${id}/deny`, { reason: 'test cleanup' });
    }
  });

  it('announces a held call, shows what to decide on, and approving it with the keyboard runs the call', async () => {
    const agent = await gate().agent(gate().createGrant('writer', HELD));
    const page = await gate().newPage();
    await openApprovals(page, 'approver');
    await page.getByText('No calls are waiting for approval.').waitFor();

    const target = join(gate().files, 'approved.txt');
    const call = agent.callTool({
      name: 'files__write_file',
      arguments: { path: target, content: 'approved by a person' },
    });
    // The page polls: the request appears, and the live region says so, without a reload.
    const status = page.getByRole('status').filter({ hasText: 'New approval request' });
    await status.waitFor({ timeout: 15_000 });
    expect(await status.textContent()).toBe('New approval request: writer wants to call write_file on files.');
    const held = card(page, 'write_file');
    await held.waitFor();
    expect(await held.getByRole('heading', { level: 3 }).textContent()).toBe('writer → files · write_file');
    expect(await held.locator('.badge').first().getAttribute('class')).toMatch(/risk-(Medium|High|Critical)/);
    expect(await held.textContent()).toContain('Writes need a person.');
    expect(await held.textContent()).toContain('/tools/files:write_file/action');
    const args = JSON.parse((await held.getByLabel('Arguments of the call to write_file on files').textContent())!);
    expect(args).toEqual({ path: target, content: 'approved by a person' });
    const countdown = held.locator('.countdown time');
    expect(await countdown.textContent()).toMatch(/^\d+ min \d\d s left$/);

    // Keyboard only: Tab to the preset reasons, pick one with the arrow key, Tab on to Approve, press Enter.
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).focus();
    const focused = () =>
      page.evaluate<string>(
        'document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? ""',
      );
    const tabTo = async (wanted: RegExp) => {
      for (let presses = 0; presses < 40; presses++) {
        await page.keyboard.press('Tab');
        const name = await focused();
        if (wanted.test(name)) return;
      }
      throw new Error(`Tab never reached ${wanted}`);
    };
    await tabTo(/^Choose…Looks right/);
    await page.keyboard.press('ArrowDown');
    expect(await held.getByLabel('Reason for the call to write_file on files').inputValue()).toBe('Looks right');
    await tabTo(/^Approve the call to write_file on files$/);
    await page.keyboard.press('Enter');

    await page.getByRole('status').filter({ hasText: 'Approved the call to write_file on files.' }).waitFor();
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('Successfully wrote');
    expect(readFileSync(target, 'utf8')).toBe('approved by a person');

    // History: who approved, and why.
    await page.getByRole('tab', { name: 'History' }).click();
    const row = page.getByRole('row').filter({ hasText: 'write_file' });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual(
      expect.arrayContaining(['approved', 'writer', 'abe', 'Looks right']),
    );
  });

  it('masks secrets until an approver reveals them, and extends the wait by five minutes', async () => {
    const agent = await gate().agent(gate().createGrant('secretive', HELD));
    const call = agent.callTool({
      name: 'memory__create_entities',
      arguments: {
        entities: [{ name: 'vault', entityType: 'system', observations: ['opened'] }],
        apiToken: 'tok-very-secret-value',
      },
    });
    const page = await gate().newPage();
    await openApprovals(page, 'approver');
    const held = card(page, 'create_entities');
    await held.waitFor();
    const args = held.getByLabel('Arguments of the call to create_entities on memory');
    expect(await args.textContent()).not.toContain('tok-very-secret-value');
    expect(await args.textContent()).toContain('[hidden secret');
    expect(await held.textContent()).toContain('args.apiToken');
    await held.getByRole('button', { name: 'Reveal secrets' }).click();
    await expect.poll(() => args.textContent()).toContain('tok-very-secret-value');
    await held.getByRole('button', { name: 'Hide secrets' }).click();
    expect(await args.textContent()).not.toContain('tok-very-secret-value');

    const expiry = async () => Date.parse((await held.locator('.countdown time').getAttribute('datetime'))!);
    const before = await expiry();
    await held.getByRole('button', { name: /^Extend by 5 min/ }).click();
    await expect.poll(expiry).toBe(before + 300_000);

    await held.getByLabel('Reason for the call to create_entities on memory').fill('Not with a token in it.');
    await held.getByRole('button', { name: /^Deny the call/ }).click();
    const denied = await call;
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain('Not with a token in it.');
  });

  it('denies several calls at once', async () => {
    const agent = await gate().agent(gate().createGrant('batch', HELD));
    const calls = ['one', 'two'].map((name) =>
      agent.callTool({
        name: 'files__write_file',
        arguments: { path: join(gate().files, `${name}.txt`), content: name },
      }),
    );
    const page = await gate().newPage();
    await openApprovals(page, 'admin');
    await expect.poll(() => page.getByRole('article').count()).toBe(2);
    await page.getByLabel(/^Select all/).check();
    await page.getByLabel('Reason for the selected').fill('Not expected for this agent');
    await page.getByRole('button', { name: 'Deny selected (2)' }).click();
    await page.getByRole('status').filter({ hasText: 'Denied 2 calls.' }).waitFor();
    for (const result of await Promise.all(calls)) {
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('Not expected for this agent');
    }
    await page.getByText('No calls are waiting for approval.').waitFor();
  });

  it('shows a viewer the pending calls, with no way to decide them', async () => {
    const agent = await gate().agent(gate().createGrant('watched', HELD));
    const call = agent.callTool({
      name: 'files__write_file',
      arguments: { path: join(gate().files, 'watched.txt'), content: 'x' },
    });
    const page = await gate().newPage();
    await openApprovals(page, 'viewer');
    const held = card(page, 'watched');
    await held.waitFor();
    expect(await held.getByRole('button').count()).toBe(0);
    expect(await held.getByRole('checkbox').count()).toBe(0);
    // Settled outside the page, so the agent's call ends.
    const approver = await gate().api('approver');
    const { body } = await approver.get('/admin/approvals?status=pending');
    const id = (body.approvals as { id: string; grantLabel: string }[]).find((a) => a.grantLabel === 'watched')!.id;
    expect((await approver.send('POST', `/admin/approvals/${id}/deny`, { reason: 'cleanup' })).status).toBe(200);
    expect((await call).isError).toBe(true);
    await held.waitFor({ state: 'detached' });
  });
});
