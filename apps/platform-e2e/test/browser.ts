import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (never a downloaded browser). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Waits for `locator` in the app's iframe; on time-out the error carries the frame's URL and text,
 * so a failed launch says where it stopped (an EHR error page, a BFF refusal, …).
 */
export async function waitInAppFrame(
  page: Page,
  locator: Locator,
  options: { timeout: number; context?: string },
): Promise<void> {
  await locator.waitFor({ timeout: options.timeout }).catch(async (error: unknown) => {
    const frame = page.frames().find((candidate) => candidate.name() === 'smart-app');
    const text = (
      await frame
        ?.locator('body')
        .innerText()
        .catch(() => '')
    )?.slice(0, 1500);
    throw new Error(
      `${options.context ? `${options.context}: ` : ''}${String(error)}\n${frame?.url()}\n${text}`,
    );
  });
}
