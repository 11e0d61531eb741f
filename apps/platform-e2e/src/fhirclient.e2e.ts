import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../test/browser.js';
import { startPlatform, type RunningPlatform } from '../test/platform.js';

/** The published fhirclient's browser bundle (`window.FHIR`), served as the app's own script. */
const bundlePath = join(
  dirname(createRequire(import.meta.url).resolve('fhirclient/package.json')),
  'build/fhir-client.js',
);

interface AppResult {
  patient: string;
  fhirUser: string;
  refreshed: boolean;
  readAfterRefresh: string;
  error?: string;
}

function page(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>fhirclient app</title>
<script src="/fhir-client.js"></script></head><body><pre id="result"></pre><script>${body}</script></body></html>`;
}

/**
 * A static SMART app that uses only the published `fhirclient` package: standalone and EHR
 * launch pages, and an app page that reads the patient, refreshes and reads again.
 */
function appPages(clientId: string, fhirBaseUrl: string): Record<string, string> {
  const config = JSON.stringify({ clientId, redirectUri: '/app.html' });
  return {
    '/standalone.html': page(
      `FHIR.oauth2.authorize({ ...${config}, iss: ${JSON.stringify(fhirBaseUrl)},
        scope: 'launch/patient openid fhirUser patient/*.rs offline_access' });`,
    ),
    '/launch.html': page(
      // Inside the EHR's iframe: finish the authorization in the frame itself.
      `FHIR.oauth2.authorize({ ...${config}, completeInTarget: true,
        scope: 'launch openid fhirUser patient/*.rs offline_access' });`,
    ),
    '/app.html': page(`
      const out = document.getElementById('result');
      FHIR.oauth2.ready().then(async (client) => {
        const patient = await client.patient.read();
        const before = client.state.tokenResponse.access_token;
        await client.refresh();
        const after = client.state.tokenResponse.access_token;
        const again = await client.request('Patient/' + client.patient.id);
        out.textContent = JSON.stringify({ patient: patient.id, fhirUser: client.user.fhirUser,
          refreshed: Boolean(after) && before !== after, readAfterRefresh: again.id });
      }).catch((error) => { out.textContent = JSON.stringify({ error: String(error) }); });`),
  };
}

async function resultOf(target: Page | Frame): Promise<AppResult> {
  const result = target.locator('#result');
  await result.filter({ hasText: /\S/ }).waitFor({ timeout: 30_000 });
  return JSON.parse((await result.textContent()) ?? '{}') as AppResult;
}

describe('The published fhirclient package against the sandbox, in Chromium', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let appServer: Server;
  let appOrigin: string;
  let clientId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchChromium();
    const sandboxOrigin = new URL(platform.launcherUrl).origin;
    appServer = createServer();
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const address = appServer.address();
    // Same site as the launcher (localhost): Chromium denies web storage to a cross-site iframe,
    // and fhirclient keeps its state in sessionStorage (client-js #115).
    appOrigin = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;

    // RFC 7591 registration of a public client for this app.
    const registered = await fetch(`${sandboxOrigin}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'fhirclient test app',
        redirect_uris: [`${appOrigin}/app.html`],
        launch_uri: `${appOrigin}/launch.html`,
        token_endpoint_auth_method: 'none',
      }),
    });
    expect(registered.status).toBe(201);
    clientId = ((await registered.json()) as { client_id: string }).client_id;

    const pages = appPages(clientId, platform.fhirBaseUrl);
    const bundle = await readFile(bundlePath);
    appServer.on('request', (request, response) => {
      const path = new URL(request.url ?? '/', appOrigin).pathname;
      if (path === '/fhir-client.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      } else if (pages[path]) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages[path]);
      } else {
        response.writeHead(404).end();
      }
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => appServer?.close(resolve));
    await platform?.stop();
  });

  it('standalone launch: sign-in, consent, patient context, id_token fhirUser, refresh', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${appOrigin}/standalone.html`);
    await tab.getByLabel('Username').fill('amy.shaw');
    await tab.getByLabel('Password').fill('sandbox');
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await tab.getByRole('button', { name: 'Allow' }).click();
    const result = await resultOf(tab);
    expect(result).toEqual({
      patient: 'pat-amy-shaw',
      fhirUser: 'Patient/pat-amy-shaw',
      refreshed: true,
      readAfterRefresh: 'pat-amy-shaw',
    });
    await context.close();
  });

  it('EHR launch from the launcher: the app in the EHR iframe gets the chart patient, then refreshes', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(platform.launcherUrl);
    await tab.getByLabel('Open the chart of').selectOption('pat-grace-okafor');
    await tab.getByLabel('Launch', { exact: true }).selectOption(clientId);
    await tab.getByRole('button', { name: 'Launch' }).click();
    const frame = await (await tab.waitForSelector('iframe[name="smart-app"]')).contentFrame();
    if (!frame) throw new Error('no app frame');
    const result = await resultOf(frame);
    expect(result).toEqual({
      patient: 'pat-grace-okafor',
      fhirUser: 'Practitioner/practitioner-ann-lee',
      refreshed: true,
      readAfterRefresh: 'pat-grace-okafor',
    });
    await context.close();
  });
});
