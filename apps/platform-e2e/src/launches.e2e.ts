import type { Browser, FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, waitInAppFrame } from '../test/browser.js';
import { startPlatform, type RunningPlatform } from '../test/platform.js';

const profiles = ['generic', 'epic', 'oracle', 'athena', 'ecw'] as const;

/** The summary as the clinician reads it: every section's text, in order. */
async function readSummary(app: FrameLocator): Promise<Record<string, string>> {
  await app.locator('[data-section="vitals"]').waitFor({ timeout: 30_000 });
  await app
    .locator('[data-section] [role="status"]:has-text("Loading")')
    .first()
    .waitFor({ state: 'detached', timeout: 30_000 });
  const sections = app.locator('[data-section]');
  const summary: Record<string, string> = {};
  for (let index = 0; index < (await sections.count()); index++) {
    const section = sections.nth(index);
    const name = (await section.getAttribute('data-section')) ?? String(index);
    if (name === 'record-vital') continue;
    summary[name] = ((await section.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  }
  return summary;
}

describe('SMART App Launch 2.2 §launch — EHR launch per vendor profile, standalone launch', () => {
  let platform: RunningPlatform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('renders the same sections, values and no error for generic, Epic, Oracle, athena and eCW', async () => {
    const summaries: Record<string, Record<string, string>> = {};
    for (const profile of profiles) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(platform.launcherUrl);
      await page.getByLabel('Open the chart of').selectOption('pat-omar-haddad');
      await page.locator('select#app').selectOption('bedside-web');
      await page.getByLabel('Vendor profile').selectOption(profile);
      await page.getByRole('button', { name: 'Launch' }).click();
      const app = page.frameLocator('iframe[name="smart-app"]');
      await waitInAppFrame(page, app.getByRole('heading', { name: 'Omar Haddad' }), {
        timeout: 30_000,
        context: profile,
      });
      summaries[profile] = await readSummary(app);
      expect(await app.locator('.error-text, [data-notice]').allTextContents(), profile).toEqual(
        [],
      );
      await context.close();
    }
    const generic = summaries['generic'] ?? {};
    // Real content, not just empty states: vitals charted, labs listed, a risk computed or explained.
    expect(Object.keys(generic)).toEqual(
      expect.arrayContaining(['vitals', 'labs', 'risk', 'problems', 'medications', 'allergies']),
    );
    expect(generic['labs']).not.toContain('No laboratory results recorded');
    for (const profile of profiles) expect(summaries[profile], profile).toEqual(generic);
  });

  it('standalone: the EHR chooser of the app, then login and patient picker at the EHR, then the summary', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(platform.appUrl);
    await page
      .getByRole('link', { name: /^Sign in with / })
      .first()
      .click();
    await page.getByLabel('Username').fill('ann.lee');
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('input[name="patientId"][value="pat-grace-okafor"]').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Grace Okafor' }).waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).origin).toBe(new URL(platform.appUrl).origin);
    await page
      .locator('[data-section] [role="status"]:has-text("Loading")')
      .first()
      .waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.locator('.error-text, [data-notice]').allTextContents()).toEqual([]);
    // The risk panel computes from her labs, vitals, problems and medications, inputs shown.
    const risk = page.locator('[data-section="risk"]');
    expect(await risk.locator('[data-field="ascvd-percent"]').textContent()).toMatch(/^\d+\.\d%$/);
    expect(await risk.locator('[data-input="totalCholesterol"] td').first().textContent()).toMatch(
      /mg\/dL$/,
    );
    await context.close();
  });
});
