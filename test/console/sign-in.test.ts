/**
 * Signing in to the web console in real Chromium against a real gateway: a wrong password is refused with the
 * server's words, the keyboard alone signs in (Tab to the fields, Enter submits), and signing out returns to the
 * form.
 */
import { expect, it } from 'vitest';
import { MEMBERS } from './console-gateway.js';
import { describeConsole, useConsoleGateway } from './console-harness.js';

describeConsole('signing in to the console', () => {
  const gate = useConsoleGateway();

  it('refuses a wrong password and says so', async () => {
    const page = await gate().newPage();
    await page.goto(gate().consoleUrl);
    await page.getByLabel('Name').fill(MEMBERS.viewer.name);
    await page.getByLabel('Password').fill('not the right passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S/);
    expect(await page.getByRole('navigation', { name: 'Console' }).count()).toBe(0);
  });

  it('signs in with the keyboard alone: Tab to each field, Enter to submit', async () => {
    const page = await gate().newPage();
    await page.goto(gate().consoleUrl);
    await page.getByLabel('Name').waitFor();
    // From the top of the page, Tab reaches the name field first, then the password.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.name')).toBe('name');
    await page.keyboard.type(MEMBERS.admin.name);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.name')).toBe('password');
    await page.keyboard.type(MEMBERS.admin.password);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    expect(await page.getByText(`${MEMBERS.admin.name} (admin)`).count()).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });
});
