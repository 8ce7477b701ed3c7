/**
 * The servers and tools page in real Chromium against a real gateway with the reference filesystem and memory
 * servers: their states, every tool with a risk badge, the search and filters, a grant's verdicts, and a tool's
 * page with its recommended rule.
 */
import { expect, it } from 'vitest';
import { describeConsole, useConsoleGateway } from './console-harness.js';

describeConsole('the servers and tools page', () => {
  const gate = useConsoleGateway({
    servers: {
      // A server that cannot start: the page says so, with its last words on stderr.
      broken: {
        command: process.execPath,
        args: ['-e', "console.error('broken: no API key in BROKEN_API_KEY'); process.exit(3)"],
      },
    },
  });

  it('shows each server up, and every tool with its risk badge', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    await page.getByRole('heading', { name: 'Servers and tools' }).waitFor();
    const files = page.getByRole('row', { name: /^files\b/ }).first();
    await files.getByText('up', { exact: true }).waitFor();
    await page
      .getByRole('row', { name: /^memory\b/ })
      .first()
      .getByText('up', { exact: true })
      .waitFor();

    const read = page.getByRole('row', { name: /files__read_text_file/ });
    await read.waitFor();
    expect(await read.locator('.badge').getAttribute('class')).toMatch(/\bbadge risk-(Low|Medium|High|Critical)\b/);
    const destroy = page.getByRole('row', { name: /memory__delete_entities/ });
    expect(await destroy.locator('.badge').getAttribute('class')).toContain('risk-High');
    expect(await destroy.getByRole('cell', { name: 'Destructive' }).count()).toBe(1);
    // A local caller under a config without a policy may call every tool.
    expect(await read.getByText('unrestricted').count()).toBe(1);
  });

  it('shows a server that failed to start as down, with why and its stderr lines', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    const broken = page.getByRole('row', { name: /^broken\b/ });
    await broken.getByText('down', { exact: true }).waitFor();
    expect(await broken.locator('.error').textContent()).toMatch(/^Failed to start: /);
    const details = broken.getByText(/^Last \d+ stderr lines?$/);
    expect(await broken.locator('pre').isVisible()).toBe(false);
    await details.click();
    expect(await broken.locator('pre').textContent()).toContain('broken: no API key in BROKEN_API_KEY');
    expect(await page.getByText(/^\d+ of 3 servers up$/).textContent()).toBe('2 of 3 servers up');
  });

  it('narrows the list with the search box and the filters, without losing rows for good', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    const rows = page.locator('table.tools tbody tr');
    await rows.first().waitFor();
    const all = await rows.count();
    expect(all).toBeGreaterThan(15);
    const status = page.getByRole('status').filter({ hasText: /Showing \d+ of \d+ tools/ });
    expect(await status.textContent()).toBe(`Showing ${all} of ${all} tools`);

    // Every word must match, anywhere in the row: names, server, category, quotes.
    await page.getByLabel('Search').fill('TEXT files read');
    await expect.poll(() => rows.locator('th a').allTextContents()).toEqual(['files__read_text_file']);
    expect(await status.textContent()).toBe(`Showing 1 of ${all} tools`);

    await page.getByLabel('Search').fill('');
    await page.getByLabel('Server', { exact: true }).selectOption('memory');
    await expect
      .poll(async () => [...new Set(await rows.locator('td:nth-child(2)').allTextContents())])
      .toEqual(['memory']);

    await page.getByLabel('Risk', { exact: true }).selectOption('High');
    await expect.poll(() => rows.locator('th a').allTextContents()).toContain('memory__delete_entities');
    const high = await rows.locator('th a').allTextContents();
    expect(high).not.toContain('memory__read_graph');

    await page.getByLabel('Server', { exact: true }).selectOption('');
    await page.getByLabel('Risk', { exact: true }).selectOption('');
    await expect.poll(() => rows.count()).toBe(all);
  });

  it("shows a grant's verdicts when the grant is picked", async () => {
    gate().createGrant('reader', {
      version: '1',
      default: 'deny',
      tools: { 'files:read_text_file': {} },
    });
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    await page.getByLabel('Policy of').selectOption({ label: 'Grant “reader”' });
    const write = page.getByRole('row', { name: /files__write_file/ });
    await expect.poll(() => write.locator('.effect').textContent()).toBe('deny');
    expect(
      await page
        .getByRole('row', { name: /files__read_text_file/ })
        .locator('.effect')
        .textContent(),
    ).toBe('allow');
  });

  it("opens a tool's page: what it does, its evidence, and the recommended rule as JSON", async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    await page.getByRole('link', { name: 'memory__delete_entities' }).click();
    await page.getByRole('heading', { name: /memory__delete_entities/, level: 1 }).waitFor();
    expect(page.url()).toContain('#/tools/memory__delete_entities');
    for (const heading of [
      'What it does',
      'Why it needs a policy',
      'Evidence',
      'Recommended rule',
      'What each grant gets',
    ]) {
      expect(await page.getByRole('heading', { name: heading }).count(), heading).toBe(1);
    }
    const rule = JSON.parse((await page.getByLabel('Recommended rule (policy.json)').textContent()) ?? '');
    expect(Object.keys(rule.tools)).toEqual(['memory:delete_entities']);
    expect(await page.getByRole('button', { name: 'Copy rule' }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /reader/ }).count()).toBe(1);

    await page.goto(`${gate().consoleUrl}#/tools/no_such_tool`);
    await page.getByRole('alert').filter({ hasText: 'No tool is named “no_such_tool”' }).waitFor();
  });
});
