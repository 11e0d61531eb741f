import { displayName, type Patient } from '@bedside/fhir-model';

import { LAUNCHER_FAULTS } from '../auth/faults.js';
import { VENDOR_PROFILES } from '../auth/profiles.js';
import { html, page } from '../http/html.js';

export interface LauncherApp {
  clientId: string;
  name: string;
}

/** The launcher: a clinician picks a patient and an app, then clicks Launch. */
export function renderLauncher(patients: readonly Patient[], apps: readonly LauncherApp[]): string {
  return page(
    'Launcher',
    html`<main>
      <h1>Launch a SMART app</h1>
      <form method="post" action="/launcher/launch">
        <fieldset>
          <legend>Patient</legend>
          <label for="patient">Open the chart of</label>
          <select id="patient" name="patientId" required>
            ${patients.map(
              (patient) =>
                html`<option value="${patient.id}">
                  ${displayName(patient.name)} · born ${patient.birthDate ?? 'unknown'}
                </option>`,
            )}
          </select>
        </fieldset>
        <fieldset>
          <legend>App</legend>
          <label for="app">Launch</label>
          <select id="app" name="clientId" required>
            ${apps.map(
              (app) => html`<option value="${app.clientId}">${app.name} (${app.clientId})</option>`,
            )}
          </select>
        </fieldset>
        <fieldset>
          <legend>EHR behaviour</legend>
          <label for="profile">Vendor profile</label>
          <select id="profile" name="profile">
            <option value="">The app's registered profile</option>
            ${VENDOR_PROFILES.map((name) => html`<option value="${name}">${name}</option>`)}
          </select>
          <label for="fault">Simulate</label>
          <select id="fault" name="fault">
            <option value="">Nothing: everything works</option>
            ${Object.entries(LAUNCHER_FAULTS).map(
              ([value, fault]) => html`<option value="${value}">${fault.label}</option>`,
            )}
          </select>
        </fieldset>
        <p>
          Signed in as <strong>Dr. Ann Lee</strong> (Practitioner). The app opens inside this EHR,
          in an iframe, through a SMART EHR launch.
        </p>
        <button type="submit">Launch</button>
      </form>
    </main>`,
  );
}

/** The EHR's chart view with the app embedded, as Epic and Oracle Health embed SMART apps. */
export function renderEhrFrame(patient: Patient, appName: string, appUrl: string): string {
  return page(
    `${displayName(patient.name)} — ${appName}`,
    html`<div class="banner" role="banner" aria-label="Patient banner">
        <strong>${displayName(patient.name)}</strong>
        <span>DOB ${patient.birthDate ?? 'unknown'}</span>
        <span>${patient.gender ?? ''}</span>
        <span>MRN ${patient.identifier?.[0]?.value ?? ''}</span>
        <a href="/">Back to launcher</a>
      </div>
      <iframe
        class="frame"
        title="${appName}"
        name="smart-app"
        src="${appUrl}"
        sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads"
        allow="clipboard-write"
      ></iframe>`,
  );
}

/** RFC 6749 §4.1.2.1: when the client or redirect URI is not verified, tell the user; never redirect. */
export function renderAuthorizationErrorPage(title: string, detail: string): string {
  return page(
    'Authorization error',
    html`<main>
      <div class="error" role="alert">
        <h1>${title}</h1>
        <p>${detail}</p>
        <p>The app was not sent anywhere: its client or redirect URI could not be verified.</p>
      </div>
    </main>`,
  );
}

export function renderNotFoundPage(detail: string): string {
  return page(
    'Not found',
    html`<main>
      <div class="error" role="alert">
        <h1>Not found</h1>
        <p>${detail}</p>
      </div>
    </main>`,
  );
}
