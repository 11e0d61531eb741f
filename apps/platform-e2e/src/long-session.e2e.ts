import pg from 'pg';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, waitInAppFrame } from '../test/browser.js';
import { startPlatform, type RunningPlatform } from '../test/platform.js';

const appClientId = 'bedside-web';
const sessionSeconds = Number(process.env['E2E_LONG_SESSION_SECONDS'] ?? 120);

/** Every section of the summary has finished loading (no "Loading…" left). */
async function summarySettled(app: FrameLocator): Promise<void> {
  await app.locator('[data-section="vitals"]').waitFor({ timeout: 30_000 });
  await app
    .locator('[data-section] [role="status"]:has-text("Loading")')
    .first()
    .waitFor({ state: 'detached', timeout: 30_000 });
}

/** Error texts shown anywhere in the app (failed sections, the sign-in notice). */
async function visibleErrors(app: FrameLocator): Promise<string[]> {
  const errors = await app.locator('.error-text, [data-notice="reauthorize"]').allTextContents();
  return errors.map((text) => text.trim()).filter(Boolean);
}

async function setFaults(platform: RunningPlatform, faults: object): Promise<void> {
  const url = new URL(`/auth/dev/clients/${appClientId}/faults`, platform.launcherUrl);
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
}

async function launch(page: Page, platform: RunningPlatform, patientId: string) {
  await page.goto(platform.launcherUrl);
  await page.getByLabel('Open the chart of').selectOption(patientId);
  await page.locator('select#app').selectOption(appClientId);
  await page.getByRole('button', { name: 'Launch' }).click();
  return page.frameLocator('iframe[name="smart-app"]');
}

describe('SMART App Launch 2.2 §refresh — the app outlives 10-second access tokens', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let db: pg.Client;

  beforeAll(async () => {
    platform = await startPlatform({ SANDBOX_ACCESS_TOKEN_TTL_SECONDS: '10' });
    browser = await launchChromium();
    db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await browser?.close();
    await platform?.stop();
  });

  it(
    `keeps a ${sessionSeconds}-second session of Refresh clicks free of errors`,
    async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const app = await launch(page, platform, 'pat-omar-haddad');
      await app.getByRole('heading', { name: 'Omar Haddad' }).waitFor({ timeout: 30_000 });
      await summarySettled(app);

      const until = Date.now() + sessionSeconds * 1000;
      let clicks = 0;
      while (Date.now() < until) {
        await app.getByRole('button', { name: 'Refresh' }).click();
        clicks += 1;
        await summarySettled(app);
        expect(await visibleErrors(app), `after ${clicks} clicks`).toEqual([]);
        await page.waitForTimeout(3_000);
      }
      // The tokens really were renewed along the way (each refresh rotates the stored set).
      const refreshed = await db.query<{ version: number }>(
        `SELECT "tokenVersion" AS version FROM bedside.session
          WHERE "patientId" = 'pat-omar-haddad' ORDER BY "createdAt" DESC LIMIT 1`,
      );
      expect(refreshed.rows[0]?.version).toBeGreaterThanOrEqual(
        Math.floor(sessionSeconds / 10) - 2,
      );
      await context.close();
    },
    sessionSeconds * 1000 + 120_000,
  );

  it('with refresh refused, signing in again keeps the typed vital and saves it exactly once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const app = await launch(page, platform, 'pat-kenji-sato');
    await app.getByRole('heading', { name: 'Kenji Sato' }).waitFor({ timeout: 30_000 });
    await summarySettled(app);

    await setFaults(platform, { refreshRefused: true });
    try {
      // Type while the 10-second token runs out; Save then needs a refresh the EHR refuses.
      await app.getByLabel('Heart rate (/min)').fill('61');
      await app.getByLabel('Note (optional)').fill('after the procedure');
      await page.waitForTimeout(11_000);
      await app.getByRole('button', { name: 'Save to EHR' }).click();
      await app.locator('[data-notice="reauthorize"]').waitFor({ timeout: 30_000 });
      await app.locator('[data-status="needs-signin"]').waitFor();
      expect(await app.getByLabel('Heart rate (/min)').inputValue()).toBe('61');
    } finally {
      await setFaults(platform, {});
    }

    // Sign in again at the EHR (its login, patient picker and consent pages, in the iframe).
    await app.getByRole('link', { name: 'Sign in again' }).click();
    await waitInAppFrame(page, app.getByLabel('Username'), { timeout: 15_000 });
    await app.getByLabel('Username').fill('ann.lee');
    await app.getByLabel('Password').fill('sandbox');
    await app.getByRole('button', { name: 'Sign in' }).click();
    await app
      .locator('input[name="patientId"], button[value="approve"]')
      .first()
      .waitFor({ timeout: 15_000 });
    const picker = app.locator('input[name="patientId"][value="pat-kenji-sato"]');
    if (await picker.count()) {
      await picker.check();
      await app.getByRole('button', { name: 'Continue' }).click();
    }
    const allow = app.getByRole('button', { name: 'Allow' });
    await allow.waitFor({ timeout: 15_000 }).catch(() => undefined);
    if (await allow.count()) await allow.click();

    // Back on the same screen, the interrupted save completes by itself, once.
    await waitInAppFrame(page, app.getByRole('heading', { name: 'Kenji Sato' }), {
      timeout: 30_000,
    });
    await app.locator('[data-status="saved"]').waitFor({ timeout: 30_000 });
    const stored = await db.query<{ count: string }>(
      `SELECT count(*) FROM sandbox.fhir_resource
        WHERE "resourceType" = 'Observation'
          AND content->'subject'->>'reference' = 'Patient/pat-kenji-sato'
          AND content->'valueQuantity'->>'value' = '61'`,
    );
    expect(Number(stored.rows[0]?.count)).toBe(1);
    // Nothing is left to re-send: the draft is gone from the form and from storage.
    expect(await app.getByLabel('Heart rate (/min)').inputValue()).toBe('');
    const appFrame = page.frames().find((frame) => frame.url().startsWith(platform.appUrl));
    expect(await appFrame?.evaluate(() => Object.keys(localStorage))).toEqual([]);
    await context.close();
  }, 150_000);
});
