/**
 * The audit viewer in real Chromium against a real gateway: a real agent's calls (one held and approved by a
 * member) found by filtering on their tool, opened with their approval joined; the filters in a link; the chart;
 * the JSON Lines export; pages of 100; the live tail; operators' changes with who made them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { eventually } from '../e2e/harness.js';
import { describeConsole, useConsoleGateway } from './console-harness.js';

describeConsole('the audit viewer', () => {
  const gate = useConsoleGateway({ config: { approvals: { waitMs: 60_000 } } });
  let agent: Client;
  let hello: string;
  const read = () => agent.callTool({ name: 'files__read_text_file', arguments: { path: hello } });

  // One approved write, and more reads than a page holds.
  beforeAll(async () => {
    agent = await gate().agent(
      gate().createGrant('audited', {
        version: '1',
        default: 'allow',
        tools: { 'files:write_file': { action: 'require_approval', reason: 'Writes need a person.' } },
      }),
    );
    hello = join(gate().files, 'hello.txt');
    const write = agent.callTool({
      name: 'files__write_file',
      arguments: { path: join(gate().files, 'audited.txt'), content: 'seen by a person' },
    });
    const approver = await gate().api('approver');
    let id = '';
    await eventually(async () => {
      const { body } = await approver.get('/admin/approvals?status=pending');
      id = (body.approvals as { id: string }[])[0]?.id ?? '';
      expect(id).toMatch(/^apr_/);
    });
    expect((await approver.send('POST', `/admin/approvals/${id}/approve`, { reason: 'Looks right' })).status).toBe(200);
    expect((await write).isError).toBeFalsy();
    for (let call = 0; call < 105; call++) await read();
  }, 120_000);

  const rows = (page: Page) => page.locator('table.audit tbody tr');
  async function openAudit(page: Page, query = ''): Promise<void> {
    await gate().signIn(page, 'viewer');
    if (query === '') await page.getByRole('link', { name: 'Audit' }).click();
    else await page.goto(`${gate().consoleUrl}#/audit?${query}`);
    await page.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
  }

  it('finds the approved call by its tool, and opens it with its approval joined', async () => {
    const page = await gate().newPage();
    await openAudit(page);
    await page.getByLabel('Tool', { exact: true }).fill('write_file');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.evaluate<string>('decodeURIComponent(location.hash)')).toBe('#/audit?tool=write_file');
    // The unfiltered page stays until the filtered one arrives: wait until every row shown is the tool's.
    await expect
      .poll(async () => [...new Set(await rows(page).locator('td:nth-child(4)').allTextContents())])
      .toEqual(['write_file']);

    const approved = rows(page).filter({ hasText: 'approved' });
    await approved.getByRole('button', { name: /^Details/ }).click();
    const dialog = page.getByRole('dialog', { name: /^Record / });
    await dialog.waitFor();
    const approval = dialog.getByRole('region', { name: /^Approval apr_/ });
    await approval.waitFor();
    const text = (await approval.textContent())!;
    expect(text).toContain('approved');
    expect(text).toContain('abe');
    expect(text).toContain('Looks right');
    expect(text).toContain('Writes need a person.');
    expect(await dialog.textContent()).toContain('audited');
    // Escape closes it, and the focus goes back to the button that opened it.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate<string>('document.activeElement?.textContent ?? ""')).toMatch(/^Details/);
  });

  it('opens a linked view with its filters, and shows operators by name', async () => {
    const page = await gate().newPage();
    await openAudit(page, 'decision=approval_resolved&range=1h');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(0);
    const row = rows(page).first();
    expect(await row.locator('td:nth-child(2)').textContent()).toBe('abe (operator)');
    expect(await row.locator('.badge').textContent()).toBe('approval_resolved');
    expect(await page.getByLabel('Time').inputValue()).toBe('1h');
    expect(await page.locator('details.decisions summary').textContent()).toBe('Decisions: approval_resolved');
  });

  it('draws calls by decision over time, with a summary and a table for screen readers', async () => {
    const page = await gate().newPage();
    await openAudit(page);
    const chart = page.getByRole('img', { name: /records from/ });
    await chart.waitFor();
    const summary = (await chart.getAttribute('aria-label'))!;
    expect(summary).toMatch(/^\d+ records from .*: \d+ allow.*\d+ approved/);
    expect(await chart.locator('rect').count()).toBeGreaterThan(0);
    const table = page.getByRole('table', { name: 'Records by decision in each slice of time' });
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await table.getByRole('columnheader', { name: 'allow' }).count()).toBe(1);
  });

  it('exports the filtered records as JSON Lines', async () => {
    const page = await gate().newPage();
    await openAudit(page, 'tool=write_file&range=all');
    const link = page.getByRole('link', { name: 'Export JSON Lines' });
    expect(await link.getAttribute('href')).toBe('/admin/audit/export?tool=write_file');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^toolgate-audit-.*\.jsonl$/);
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ tool: 'write_file' });
    expect(lines.map((line) => JSON.parse(line).decision)).toContain('approved');
  });

  it('shows 100 records a page, older and newer', async () => {
    const page = await gate().newPage();
    await openAudit(page, 'tool=read_text_file');
    await expect.poll(() => rows(page).count()).toBe(100);
    const first = await rows(page).first().textContent();
    await page.getByRole('button', { name: 'Older' }).click();
    // Page 1 shows 100 rows until page 2 arrives: wait for the change itself, never for a count both pages meet.
    await expect.poll(() => rows(page).count()).toBeLessThan(100);
    expect(await rows(page).count()).toBeGreaterThanOrEqual(5);
    await page.getByText(/^Page 2 ·/).waitFor();
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => rows(page).count()).toBe(100);
    expect(await rows(page).first().textContent()).toBe(first);
    expect(await page.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);
  });

  it('tails new records live, without a reload', async () => {
    const page = await gate().newPage();
    await openAudit(page, 'tool=list_allowed_directories');
    await page.getByText('No records match.').waitFor();
    await page.getByLabel('Live tail (every 2 s)').check();
    await agent.callTool({ name: 'files__list_allowed_directories', arguments: {} });
    await page.getByRole('status').filter({ hasText: '1 new record.' }).waitFor({ timeout: 15_000 });
    expect(await rows(page).count()).toBe(1);
    expect(await rows(page).first().locator('td:nth-child(4)').textContent()).toBe('list_allowed_directories');
  });
});
