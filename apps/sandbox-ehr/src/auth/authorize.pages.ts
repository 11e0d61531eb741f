import { displayName, type Patient } from '@bedside/fhir-model';
import { describeScope, parseScope } from '@bedside/scopes';

import { html, page } from '../http/html.js';

/** The standalone launch's sign-in page (a practitioner or a patient user). */
export function renderLoginPage(requestId: string, appName: string, failed: boolean): string {
  return page(
    'Sign in',
    html`<main>
      <h1>Sign in to continue to ${appName}</h1>
      ${failed
        ? html`<div class="error" role="alert"><p>Wrong username or password.</p></div>`
        : html``}
      <form method="post" action="/auth/login">
        <input type="hidden" name="request" value="${requestId}" />
        <fieldset>
          <legend>Sandbox user</legend>
          <label for="username">Username</label>
          <input type="text" id="username" name="username" autocomplete="username" required />
          <label for="password">Password</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="current-password"
            required
          />
          <p>
            Demo users: <code>ann.lee</code> (Dr. Ann Lee, Practitioner) and
            <code>amy.shaw</code> (Amy Shaw, Patient); the password is <code>sandbox</code>.
          </p>
        </fieldset>
        <button type="submit">Sign in</button>
      </form>
    </main>`,
  );
}

/** LAUNCH-05: the patient picker of a standalone launch asking for `launch/patient`. */
export function renderPatientPicker(requestId: string, patients: readonly Patient[]): string {
  return page(
    'Select a patient',
    html`<main>
      <h1>Select a patient</h1>
      <form method="post" action="/auth/select-patient">
        <input type="hidden" name="request" value="${requestId}" />
        <fieldset>
          <legend>Patients</legend>
          ${patients.map(
            (patient, index) =>
              html`<label
                ><input
                  type="radio"
                  name="patientId"
                  value="${patient.id ?? ''}"
                  ${index === 0 ? html`checked` : html``}
                />
                ${displayName(patient.name)} · born ${patient.birthDate ?? 'unknown'}</label
              >`,
          )}
        </fieldset>
        <button type="submit">Continue</button>
      </form>
    </main>`,
  );
}

function scopeText(scope: string): string {
  try {
    return describeScope(parseScope(scope));
  } catch {
    return scope;
  }
}

/**
 * AUTHZ-12: the consent screen with a plain-language line per scope; the user may uncheck any
 * of them, and the token response's `scope` tells the app what was granted.
 */
export function renderConsentPage(
  requestId: string,
  appName: string,
  userName: string,
  scopes: readonly string[],
): string {
  return page(
    'Authorize app',
    html`<main>
      <h1>${appName} asks for access</h1>
      <p>Signed in as <strong>${userName}</strong>. Uncheck anything you do not want to share.</p>
      <form method="post" action="/auth/consent">
        <input type="hidden" name="request" value="${requestId}" />
        <fieldset>
          <legend>Permissions</legend>
          ${scopes.map(
            (scope, index) =>
              html`<label
                ><input type="checkbox" name="scope_${String(index)}" value="${scope}" checked />
                <code>${scope}</code> — ${scopeText(scope)}</label
              >`,
          )}
        </fieldset>
        <button type="submit" name="decision" value="approve">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
      </form>
    </main>`,
  );
}
