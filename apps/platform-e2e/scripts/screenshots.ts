/**
 * `npm run screenshots -w @bedside/platform-e2e`: launches the app from the sandbox launcher in
 * Chromium and saves the patient summary, as the EHR's iframe shows it, at 1280x800 and at an
 * embedded 800x600, into docs/screenshots/ (referenced from the README).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { launchChromium } from '../test/browser.js';
import { startPlatform } from '../test/platform.js';

const sizes = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
];
const patientId = process.env['SCREENSHOT_PATIENT'] ?? 'syn-s1-p1';
const outDir = resolve(import.meta.dirname, '../../../docs/screenshots');

const platform = await startPlatform({ LOG_LEVEL: 'warn' });
const browser = await launchChromium();
try {
  mkdirSync(outDir, { recursive: true });
  for (const size of sizes) {
    const page = await browser.newPage({
      viewport: { width: size.width + 80, height: size.height + 400 },
    });
    await page.goto(platform.launcherUrl);
    await page.getByLabel('Open the chart of').selectOption(patientId);
    await page.getByRole('button', { name: 'Launch' }).click();
    const iframe = page.locator('iframe[name="smart-app"]');
    // The EHR decides the frame's size; give it exactly the size being documented.
    await iframe.evaluate((element, { width, height }) => {
      element.style.width = `${width}px`;
      element.style.height = `${height}px`;
      element.style.maxWidth = 'none';
    }, size);
    const app = page.frameLocator('iframe[name="smart-app"]');
    await app.locator('[data-section]').first().waitFor();
    // Every section has left its loading state (data, an empty state or a refusal is shown).
    await app.locator('[role="status"]:has-text("Loading")').first().waitFor({ state: 'detached' });
    await page.waitForTimeout(300);
    const file = resolve(outDir, `summary-${size.width}x${size.height}.png`);
    await iframe.screenshot({ path: file });
    console.log(`saved ${file}`);
    await page.close();
  }
} finally {
  await browser.close();
  await platform.stop();
}
