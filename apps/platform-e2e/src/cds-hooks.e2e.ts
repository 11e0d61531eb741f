import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../test/browser.js';
import { startPlatform, type RunningPlatform } from '../test/platform.js';

describe('CDS Hooks in the sandbox EHR, end to end in Chromium', () => {
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

  it('a chart shows the ASCVD card; its app link opens the web app on that patient', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${platform.cdsClientUrl}patients/pat-omar-haddad`);
    const ascvd = page.locator('article.card', { hasText: '10-year ASCVD risk' });
    await ascvd.waitFor({ timeout: 30_000 });
    expect(await ascvd.locator('h3').textContent()).toMatch(
      /^10-year ASCVD risk \d+(\.\d)?% \(≥ 7\.5%\) and no statin: consider a moderate-intensity statin$/,
    );
    await expect(
      ascvd.getByRole('button', { name: 'Order atorvastatin 20 mg daily' }).count(),
    ).resolves.toBe(1);

    await page.getByRole('button', { name: 'Open Bedside' }).click();
    const app = page.frameLocator('iframe[name="smart-app"]');
    await app.getByRole('heading', { name: 'Omar Haddad' }).waitFor({ timeout: 30_000 });
    await context.close();
  });

  it('signing an amoxicillin order raises the penicillin-allergy card; accepting "remove" deletes the order', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${platform.cdsClientUrl}patients/pat-omar-haddad/orders`);
    await page.getByLabel('New order').selectOption('amoxicillin');
    await page.getByRole('button', { name: 'Add draft order' }).click();
    const draftRow = page.locator('tr[data-order^="MedicationRequest/draft-amoxicillin-"]');
    await draftRow.waitFor();
    const orderRef = (await draftRow.getAttribute('data-order')) ?? '';

    await page.getByRole('button', { name: 'Sign orders' }).click();
    const card = page.locator('article.card.critical', { hasText: 'Penicillin allergy' });
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('h3').textContent()).toBe(
      'Penicillin allergy (high criticality): amoxicillin order may cause a reaction',
    );
    await card.getByRole('button', { name: 'Remove the amoxicillin order' }).click();
    await page.getByText('No draft orders.').waitFor();
    expect(await page.locator('article.card', { hasText: 'Penicillin allergy' }).count()).toBe(0);

    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const rows = await client.query(
        `SELECT id FROM sandbox.fhir_resource WHERE "resourceType" = 'MedicationRequest' AND id = $1`,
        [orderRef.split('/')[1]],
      );
      expect(rows.rowCount).toBe(0);
      const feedback = await client.query(
        `SELECT detail FROM bedside.audit_event WHERE action = 'cds.feedback' AND outcome = 'success'`,
      );
      expect(
        feedback.rows.map((row: { detail: { outcome: string } }) => row.detail.outcome),
      ).toContain('accepted');
    } finally {
      await client.end();
    }
    await context.close();
  });
});
