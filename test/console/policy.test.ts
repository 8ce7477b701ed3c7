/**
 * The policy builder in real Chromium against a real gateway: a rule built in the form and saved decides a real
 * agent's next call; "what would happen if" answers for the unsaved draft; the JSON view and the form follow each
 * other; problems are the words of `toolgate policy check`; a save after someone else's is refused; rolling back
 * restores the old rules.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { runToolgate, textOf } from '../e2e/harness.js';
import { describeConsole, useConsoleGateway } from './console-harness.js';

const ALLOW_ALL = { version: '1', default: 'allow' };

describeConsole('the policy page', () => {
  const gate = useConsoleGateway();

  /** Opens the policy page on `file`, picked from the file list as a person would. */
  async function openPolicy(page: Page, file: string): Promise<void> {
    await page.getByRole('link', { name: 'Policy' }).click();
    const picker = page.getByLabel('Policy file');
    await picker.waitFor();
    const values = await picker
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
    expect(values).toContain(file);
    await picker.selectOption(file);
    await page.getByLabel(`Policy JSON (${file})`).waitFor();
  }

  const json = (page: Page) => page.locator('.json-side textarea');
  const valid = (page: Page) => page.getByText('No problems: the draft is a valid policy.');

  it('builds a deny rule in the form; what-if answers for the draft; saved, it refuses the agent with its reason', async () => {
    const token = gate().createGrant('builder', ALLOW_ALL);
    const file = join(gate().folder, 'builder-policy.json');
    const agent = await gate().agent(token);
    const target = join(gate().files, 'built.txt');
    const write = () =>
      agent.callTool({ name: 'files__write_file', arguments: { path: target, content: 'written by the agent' } });
    expect((await write()).isError).toBeFalsy();

    const page = await gate().newPage();
    await gate().signIn(page, 'policy_manager');
    await openPolicy(page, file);
    await page.getByLabel('Effect for files write_file', { exact: true }).selectOption('deny');
    await page.getByLabel('Reason for files write_file', { exact: true }).fill('Writing is off for agents today.');
    // The JSON view follows the form, and keeps what the form does not show.
    await expect
      .poll(async () => JSON.parse(await json(page).inputValue()))
      .toEqual({
        ...ALLOW_ALL,
        tools: { write_file: { action: 'deny', reason: 'Writing is off for agents today.' } },
      });
    await valid(page).waitFor();

    // What if: the draft decides, though the saved policy still allows the call.
    const whatIf = page.getByRole('region', { name: 'What would happen if…' });
    await whatIf.getByLabel('Grant').selectOption({ label: 'builder' });
    await whatIf.getByLabel('Tool').selectOption({ label: 'files · write_file' });
    await whatIf.getByLabel('Arguments (JSON)').fill(JSON.stringify({ path: target, content: 'x' }));
    await whatIf.getByRole('button', { name: 'Ask' }).click();
    const answer = whatIf.getByTestId('what-if-answer');
    await answer.waitFor();
    expect(await answer.locator('.badge').textContent()).toBe('deny');
    expect(await answer.textContent()).toContain('/tools/write_file/action');
    expect(await answer.textContent()).toContain('Writing is off for agents today.');
    expect((await write()).isError).toBeFalsy();

    await page.getByLabel('Note (optional)').fill('no writes today');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved as version \d+\./ })
      .waitFor();
    expect(JSON.parse(readFileSync(file, 'utf8')).tools.write_file.action).toBe('deny');

    // The agent's next call, through the real gateway, is refused with the reason typed in the form.
    const refused = await write();
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe('[POLICY DENIED] Writing is off for agents today.');
    // Other tools are untouched.
    const read = await agent.callTool({ name: 'files__read_text_file', arguments: { path: target } });
    expect(textOf(read)).toBe('written by the agent');
  });

  it('rolls back to an earlier version, and the agent may write again', async () => {
    const token = gate().createGrant('roller', ALLOW_ALL);
    const file = join(gate().folder, 'roller-policy.json');
    const original = readFileSync(file, 'utf8');
    const agent = await gate().agent(token);
    const write = () =>
      agent.callTool({
        name: 'files__write_file',
        arguments: { path: join(gate().files, 'rolled.txt'), content: 'x' },
      });

    const page = await gate().newPage();
    await gate().signIn(page, 'policy_manager');
    await openPolicy(page, file);
    await page.getByLabel('Effect for files write_file', { exact: true }).selectOption('hide');
    await valid(page).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Saved as version/ })
      .waitFor();
    // A hidden tool is answered as one that does not exist.
    await expect(write()).rejects.toThrow(/Unknown tool: files__write_file/);

    const history = page.getByRole('region', { name: 'History' });
    // The file as it was on disk before the first save is a version too: the one to go back to.
    const versions = history.locator('tbody tr');
    await expect.poll(() => versions.count()).toBe(2);
    // The diff between the two versions shows the hidden rule added.
    await history.getByLabel('Compare').selectOption({ label: 'Version 1' });
    await history.getByLabel('with').selectOption({ label: 'Version 2 (current)' });
    await history.getByRole('button', { name: 'Show the differences' }).click();
    const diff = history.locator('table.line-diff');
    await diff.waitFor();
    expect(await diff.locator('tr.diff-added').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('"action": "hide"')]),
    );

    await history.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByRole('status').filter({ hasText: 'Rolled back: version 3 has the text of version 1.' }).waitFor();
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect((await write()).isError).toBeFalsy();
    expect(await json(page).inputValue()).toBe(original);
  });

  it('reads the JSON into the form, lists problems in the words of `toolgate policy check`, and keeps Save off', async () => {
    gate().createGrant('typist', ALLOW_ALL);
    const file = join(gate().folder, 'typist-policy.json');
    const page = await gate().newPage();
    await gate().signIn(page, 'policy_manager');
    await openPolicy(page, file);

    // JSON → form.
    const typed = {
      version: '1',
      default: 'deny',
      hide: ['memory:delete_entities'],
      tools: {
        'files:read_text_file': { rate_limit: { max: 7, window: 'hour' }, note: 'kept as written' },
        list_directory: { require: [{ path: 'args.path', op: 'regex', value: '^/tmp/' }] },
      },
      categories: { Destructive: { action: 'require_approval', reason: 'A person decides.' } },
      all_tools: { limits: [{ counter: 'everything', window: 'day', max: 500, scope: 'grant' }] },
    };
    await json(page).fill(JSON.stringify(typed, null, 2));
    await valid(page).waitFor();
    expect(await page.getByLabel('Effect for files read_text_file', { exact: true }).inputValue()).toBe('rate_limit');
    expect(
      await page.getByRole('group', { name: 'Rate limit for files read_text_file' }).getByLabel('At most').inputValue(),
    ).toBe('7');
    expect(await page.getByLabel('Effect for files list_directory', { exact: true }).inputValue()).toBe('custom');
    expect(await page.getByLabel('Effect for memory delete_entities', { exact: true }).inputValue()).toBe('hide');
    expect(await page.getByLabel('Effect for category Destructive', { exact: true }).inputValue()).toBe(
      'require_approval',
    );
    expect(await page.getByLabel('Default effect (tools no rule matches)').inputValue()).toBe('deny');
    expect(await page.getByRole('group', { name: 'Limit for all tools 1' }).getByLabel('Counter').inputValue()).toBe(
      'everything',
    );

    // Form → JSON: one change, and every key the form does not edit is kept.
    await page.getByRole('group', { name: 'Rate limit for files read_text_file' }).getByLabel('At most').fill('9');
    await expect
      .poll(async () => JSON.parse(await json(page).inputValue()))
      .toEqual({
        ...typed,
        tools: {
          ...typed.tools,
          'files:read_text_file': { rate_limit: { max: 9, window: 'hour' }, note: 'kept as written' },
        },
      });

    // A misspelt key: the problem as the CLI words it, and no saving.
    const broken = { ...typed, tools: { ...typed.tools, list_directory: { deny_iff: [] } } };
    await json(page).fill(JSON.stringify(broken, null, 2));
    const problems = page.getByRole('list', { name: 'Problems in the draft' });
    await problems.waitFor();
    const shown = (await problems.locator('li').first().textContent())!;
    expect(shown).toContain('$.tools.list_directory.deny_iff');
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    const checkedFile = join(gate().folder, 'broken-policy.json');
    writeFileSync(checkedFile, JSON.stringify(broken, null, 2));
    const run = runToolgate('policy', 'check', checkedFile);
    expect(run.status).toBe(1);
    const cli = run.stdout + run.stderr;
    const message = /deny_iff: (.*)/.exec(cli)?.[1]?.trim();
    expect(message).toBeTruthy();
    expect(shown).toContain(message!);

    // Broken JSON: the form steps aside until it is fixed.
    await json(page).fill('{ "version": "1", ');
    await page.getByText('The JSON has syntax errors.').waitFor();
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
  });

  it('refuses to save over a version someone saved meanwhile, and offers to reload', async () => {
    gate().createGrant('racer', ALLOW_ALL);
    const file = join(gate().folder, 'racer-policy.json');
    const page = await gate().newPage();
    await gate().signIn(page, 'admin');
    await openPolicy(page, file);
    await page.getByLabel('Effect for memory read_graph', { exact: true }).selectOption('deny');
    await valid(page).waitFor();

    // Another member saves first.
    const other = await gate().api('policy_manager');
    const current = await other.get(`/admin/policies/current?file=${encodeURIComponent(file)}`);
    const saved = await other.send('PUT', '/admin/policies', {
      file,
      text: JSON.stringify({ version: '1', default: 'deny' }, null, 2),
      basedOn: current.body.version,
    });
    expect(saved.status).toBe(200);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone saved this policy after you opened it' });
    await conflict.waitFor();
    await conflict.getByRole('button', { name: 'Reload the saved policy' }).click();
    await expect.poll(async () => JSON.parse(await json(page).inputValue())).toEqual({ version: '1', default: 'deny' });
  });

  it('starts from the suggested policy, and a viewer may try changes but not save them', async () => {
    gate().createGrant('viewed', ALLOW_ALL);
    const file = join(gate().folder, 'viewed-policy.json');
    const page = await gate().newPage();
    await gate().signIn(page, 'viewer');
    await openPolicy(page, file);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New policy' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Start from the suggested policy' }).click();
    await page.getByRole('status').filter({ hasText: 'The draft is now the suggested policy' }).waitFor();
    const suggested = JSON.parse(await json(page).inputValue());
    expect(suggested).toMatchObject({ version: '1' });
    expect(Object.keys(suggested.tools ?? {}).length + Object.keys(suggested.categories ?? {}).length).toBeGreaterThan(
      0,
    );
    await valid(page).waitFor();
    // Nothing was written.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(ALLOW_ALL);
  });

  it('creates a new policy file', async () => {
    const page = await gate().newPage();
    await gate().signIn(page, 'policy_manager');
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('button', { name: 'New policy' }).click();
    // Keyboard: the name field takes the focus (once rendered: typing before that would lose keys).
    await page.waitForFunction("document.activeElement?.getAttribute('placeholder') === 'support-agents'");
    await page.keyboard.type('support-agents');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('decodeURIComponent(location.hash)')).toMatch(/support-agents\.json$/);
    const text = await json(page).inputValue();
    expect(JSON.parse(text)).toMatchObject({ default: 'deny', tools: {} });
  });
});
