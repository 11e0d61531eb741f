import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../test/browser.js';
import { startPlatform, type RunningPlatform } from '../test/platform.js';

describe('Foundation: a SMART EHR launch from the sandbox launcher, end to end in Chromium', () => {
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

  it('opens the app in the EHR iframe on the chosen patient, with no token reachable by scripts', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(platform.launcherUrl);
    await page.getByLabel('Open the chart of').selectOption('pat-grace-okafor');
    await page.getByRole('button', { name: 'Launch' }).click();

    const app = page.frameLocator('iframe[name="smart-app"]');
    await app.getByRole('heading', { name: 'Grace Okafor' }).waitFor({ timeout: 30_000 });
    expect(await app.locator('[data-field="birth-date"]').textContent()).toBe(
      'January 8, 1949 (1949-01-08)',
    );

    // The app's frame never holds a token: no web storage, no script-readable cookie.
    const appFrame = page.frames().find((frame) => frame.url().startsWith(platform.appUrl));
    expect(appFrame).toBeDefined();
    const exposed = await appFrame?.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }));
    expect(exposed).toEqual({ cookie: '', local: '{}', session: '{}' });
    const cookies = await context.cookies(platform.appUrl);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'None' });
    await context.close();
  });

  it('never sends an access, refresh or id token to the browser, in any body or header', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: Promise<{ url: string; text: string }>[] = [];
    page.on('response', (response) => {
      if (!response.url().startsWith(platform.appUrl)) return;
      const headers = JSON.stringify(response.headers());
      seen.push(
        response
          .text()
          .catch(() => '')
          .then((body) => ({ url: response.url(), text: `${headers}\n${body}` })),
      );
    });
    await page.goto(platform.launcherUrl);
    await page.getByLabel('Open the chart of').selectOption('pat-amy-shaw');
    await page.getByRole('button', { name: 'Launch' }).click();
    const app = page.frameLocator('iframe[name="smart-app"]');
    await app.getByRole('heading', { name: 'Amy Shaw' }).waitFor({ timeout: 30_000 });
    await app.locator('[role="status"]:has-text("Loading")').first().waitFor({ state: 'detached' });
    const responses = await Promise.all(seen);
    expect(responses.some((response) => response.url.includes('/api/fhir/'))).toBe(true);
    // Sandbox tokens are JWTs; the token response's field names must not appear either.
    const jwt = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/;
    const leaks = responses.filter(
      (response) =>
        jwt.test(response.text) || /"(access_token|refresh_token|id_token)"/.test(response.text),
    );
    expect(leaks.map((response) => response.url)).toEqual([]);
    await context.close();
  });

  it('keeps two launches in two tabs of one browser on their own patients', async () => {
    const context = await browser.newContext();
    const launch = async (patientId: string) => {
      const page = await context.newPage();
      await page.goto(platform.launcherUrl);
      await page.getByLabel('Open the chart of').selectOption(patientId);
      await page.getByRole('button', { name: 'Launch' }).click();
      return page;
    };
    const first = await launch('pat-amy-shaw');
    await first
      .frameLocator('iframe[name="smart-app"]')
      .getByRole('heading', { name: 'Amy Shaw' })
      .waitFor({ timeout: 30_000 });
    const second = await launch('pat-kenji-sato');
    await second
      .frameLocator('iframe[name="smart-app"]')
      .getByRole('heading', { name: 'Kenji Sato' })
      .waitFor({ timeout: 30_000 });
    // The first tab, reloaded after the second launch, still shows its own patient.
    const firstApp = first.frames().find((frame) => frame.url().startsWith(platform.appUrl));
    await firstApp?.goto(firstApp.url());
    await first
      .frameLocator('iframe[name="smart-app"]')
      .getByRole('heading', { name: 'Amy Shaw' })
      .waitFor({ timeout: 30_000 });
    expect(await context.cookies(platform.appUrl)).toHaveLength(2);
    await context.close();
  });

  it('audits the launch and the FHIR read', async () => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const rows = await client.query<{
        action: string;
        outcome: string;
        patientId: string | null;
      }>(`SELECT action, outcome, "patientId" FROM bedside.audit_event ORDER BY id`);
      const actions = rows.rows.map((row) => `${row.action}:${row.outcome}`);
      expect(actions).toEqual(
        expect.arrayContaining([
          'launch.start:success',
          'launch.complete:success',
          'fhir.read:success',
        ]),
      );
      expect(rows.rows.find((row) => row.action === 'fhir.read')?.patientId).toBe(
        'pat-grace-okafor',
      );
    } finally {
      await client.end();
    }
  });

  it('without a launch offers the registered EHRs; with a stale handle says there is no session', async () => {
    const page = await browser.newPage();
    await page.goto(platform.appUrl);
    await page.getByRole('heading', { name: 'Sign in to Bedside' }).waitFor({ timeout: 15_000 });
    const signIn = page.getByRole('link', { name: 'Sign in with Bedside sandbox EHR' });
    expect(await signIn.getAttribute('href')).toBe(
      `/login?iss=${encodeURIComponent(platform.fhirBaseUrl)}`,
    );

    await page.goto(`${platform.appUrl}?session=AAAAAAAAAAAAAAAA`);
    await page.getByRole('heading', { name: 'No active session' }).waitFor({ timeout: 15_000 });
    const notice = page.getByRole('alert').filter({ hasText: 'No active session' });
    expect(await notice.textContent()).toContain('Open Bedside from your EHR');
    await page.close();
  });

  it('answers a launch from an unknown EHR with a 400 page naming it', async () => {
    const response = await fetch(
      `${platform.appUrl}launch?iss=${encodeURIComponent('https://unknown.example/fhir')}&launch=x`,
      {
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('https://unknown.example/fhir');
  });
});
