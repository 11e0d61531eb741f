import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from '../test/browser.js';
import { startPlatform, type RunningPlatform } from '../test/platform.js';

const fhirclientBundle = join(
  createRequire(import.meta.url).resolve('fhirclient/package.json'),
  '..',
  'build',
  'fhir-client.min.js',
);
const fhirclientId = 'fhirclient-e2e';

/**
 * A second SMART app written only with the published `fhirclient` library: its launch page calls
 * `FHIR.oauth2.authorize`, its redirect page `FHIR.oauth2.ready` and prints the context it got.
 */
function pages(): Record<string, string> {
  const page = (script: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>fhirclient</title>` +
    `<script src="/fhir-client.js"></script></head><body><pre id="context">waiting</pre>` +
    `<script>${script}</script></body></html>`;
  return {
    '/launch.html': page(
      `FHIR.oauth2.authorize({ clientId: ${JSON.stringify(fhirclientId)}, ` +
        `scope: 'launch openid fhirUser patient/Patient.rs patient/Encounter.rs', redirectUri: '/app.html', completeInTarget: true });`,
    ),
    '/app.html': page(`
      FHIR.oauth2.ready().then(async (client) => {
        const patient = await client.patient.read();
        document.getElementById('context').textContent = JSON.stringify({
          patient: client.patient.id,
          encounter: client.encounter.id,
          fhirUser: client.user.fhirUser,
          family: patient.name[0].family,
        });
      }).catch((error) => {
        document.getElementById('context').textContent = 'ERROR ' + error.message;
      });`),
  };
}

async function serveFhirclientApp(): Promise<{ server: Server; origin: string }> {
  const bundle = await readFile(fhirclientBundle);
  const html = pages();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/fhir-client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (html[path]) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html[path]);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // Same site as the launcher (localhost): fhirclient keeps its state in sessionStorage, which
  // Chromium denies to a cross-site iframe.
  return { server, origin: `http://localhost:${port}` };
}

interface LaunchedContext {
  patient: string | null;
  encounter: string | null;
  fhirUser: string | null;
}

describe('SMART App Launch 2.2 §EHR launch — the published fhirclient and smart-auth agree on the context (issue 6)', () => {
  let platform: RunningPlatform;
  let browser: Browser;
  let fhirclientApp: { server: Server; origin: string };
  let db: pg.Client;

  beforeAll(async () => {
    fhirclientApp = await serveFhirclientApp();
    platform = await startPlatform();
    browser = await launchChromium();
    db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    // Registered like any other public app in the sandbox: exact redirect URI, a launch URL.
    await db.query(
      `INSERT INTO sandbox.client ("clientId", name, "clientType", "redirectUris", "launchUrl", "allowedScope")
       VALUES ($1, 'fhirclient test app', 'public', $2, $3, $4)`,
      [
        fhirclientId,
        [`${fhirclientApp.origin}/app.html`],
        `${fhirclientApp.origin}/launch.html`,
        'launch launch/patient openid fhirUser patient/Patient.rs patient/Encounter.rs',
      ],
    );
  });
  afterAll(async () => {
    await db?.end();
    await browser?.close();
    await platform?.stop();
    fhirclientApp?.server.close();
  });

  async function launchFromSandbox(clientId: string, patientId: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(platform.launcherUrl);
    await page.getByLabel('Open the chart of').selectOption(patientId);
    await page.locator('select#app').selectOption(clientId);
    await page.getByRole('button', { name: 'Launch' }).click();
    return { context, app: page.frameLocator('iframe[name="smart-app"]') };
  }

  it('yields the same patient, encounter and fhirUser from one EHR launch of each app', async () => {
    const fromFhirclient = await launchFromSandbox(fhirclientId, 'pat-omar-haddad');
    const printed = fromFhirclient.app.locator('#context');
    await printed.filter({ hasNotText: 'waiting' }).waitFor({ timeout: 30_000 });
    const text = (await printed.textContent()) ?? '';
    expect(text).not.toMatch(/^ERROR/);
    const fhirclient = JSON.parse(text) as LaunchedContext & { family: string };
    expect(fhirclient.family).toBe('Haddad');
    await fromFhirclient.context.close();

    const fromBedside = await launchFromSandbox('bedside-web', 'pat-omar-haddad');
    await fromBedside.app
      .getByRole('heading', { name: 'Omar Haddad' })
      .waitFor({ timeout: 30_000 });
    await fromBedside.context.close();
    // smart-auth's result is what the BFF stored for the session (never sent to the browser).
    const stored = await db.query<LaunchedContext>(
      `SELECT "patientId" AS patient, "encounterId" AS encounter, "fhirUser" AS "fhirUser"
         FROM bedside.session ORDER BY "createdAt" DESC LIMIT 1`,
    );
    const smartAuth = stored.rows[0];

    expect(smartAuth?.patient).toBe('pat-omar-haddad');
    expect(fhirclient.patient).toBe(smartAuth?.patient);
    expect(fhirclient.encounter).toBe(smartAuth?.encounter);
    expect(smartAuth?.encounter).toBeTruthy();
    // fhirclient returns the claim as sent (relative here); smart-auth resolves it against iss.
    expect(new URL(fhirclient.fhirUser ?? '', `${platform.fhirBaseUrl}/`).href).toBe(
      smartAuth?.fhirUser,
    );
  });
});
