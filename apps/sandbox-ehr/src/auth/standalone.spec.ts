import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appClientId,
  appRedirectUri,
  startSandbox,
  type SandboxHarness,
} from '../../test/harness.js';
import { codeExchangeForm, pkcePair, tokenRequest } from '../../test/launch-flow.js';

interface StandaloneOptions {
  scope: string;
  username?: string;
  password?: string;
  patientId?: string;
  uncheck?: string[];
  decision?: 'approve' | 'deny';
  method?: 'GET' | 'POST';
}

describe('SMART App Launch 2.2 §standalone launch — login, patient picker, consent', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const form = (url: string, body: Record<string, string>) =>
    fetch(new URL(url, sandbox.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
      redirect: 'manual',
    });

  /** Drives the pages like a browser; returns the final redirect to the app and what it saw. */
  async function standalone(options: StandaloneOptions) {
    const { verifier, challenge } = pkcePair();
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: appClientId,
      redirect_uri: appRedirectUri,
      scope: options.scope,
      state: 'standalone-state',
      aud: sandbox.fhirBaseUrl,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      nonce: 'n-1',
    });
    const start =
      options.method === 'POST'
        ? await form('/auth/authorize', Object.fromEntries(params))
        : await fetch(`${sandbox.baseUrl}/auth/authorize?${params}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const loginUrl = new URL(start.headers.get('location') ?? '');
    expect(loginUrl.pathname).toBe('/auth/login');
    const requestId = loginUrl.searchParams.get('request') ?? '';
    const loginPage = await (await fetch(loginUrl)).text();
    expect(loginPage).toContain('name="password"');

    const login = await form('/auth/login', {
      request: requestId,
      username: options.username ?? 'ann.lee',
      password: options.password ?? 'sandbox',
    });
    if (login.status !== 303) return { login, verifier, pages: [] as string[] };
    let next = login.headers.get('location') ?? '';
    const pages: string[] = [];
    if (new URL(next).pathname === '/auth/select-patient') {
      const picker = await (await fetch(next)).text();
      pages.push(picker);
      const picked = await form('/auth/select-patient', {
        request: requestId,
        patientId: options.patientId ?? 'pat-omar-haddad',
      });
      next = picked.headers.get('location') ?? '';
    }
    expect(new URL(next).pathname).toBe('/auth/consent');
    const consentPage = await (await fetch(next)).text();
    pages.push(consentPage);
    const granted = [...consentPage.matchAll(/name="(scope_\d+)" value="([^"]+)"/g)];
    const consent: Record<string, string> = {
      request: requestId,
      decision: options.decision ?? 'approve',
    };
    for (const [, name, value] of granted) {
      if (name && value && !options.uncheck?.includes(value)) consent[name] = value;
    }
    const decided = await form('/auth/consent', consent);
    expect(decided.status).toBe(303);
    const back = new URL(decided.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(appRedirectUri);
    return { back, verifier, pages, login };
  }

  async function exchange(back: URL, verifier: string) {
    const code = back.searchParams.get('code') ?? '';
    const response = await tokenRequest(sandbox, codeExchangeForm(code, verifier));
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  it('LAUNCH-05: a practitioner picks a patient; launch/encounter gives the encounter', async () => {
    const { back, verifier, pages } = await standalone({
      scope: 'launch/patient launch/encounter openid fhirUser patient/*.rs',
    });
    expect(pages[0]).toContain('Select a patient');
    expect(back?.searchParams.get('state')).toBe('standalone-state');
    const body = await exchange(back as URL, verifier);
    expect(body).toMatchObject({
      patient: 'pat-omar-haddad',
      encounter: 'enc-omar-haddad',
      need_patient_banner: true,
      scope: 'launch/patient launch/encounter openid fhirUser patient/*.rs',
    });
    expect(decodeJwt(body['id_token'] as string)['fhirUser']).toBe(
      'Practitioner/practitioner-ann-lee',
    );
  });

  it('LAUNCH-06: a patient user signs in and is the patient in context (no picker)', async () => {
    const { back, verifier, pages } = await standalone({
      username: 'amy.shaw',
      scope: 'launch/patient openid fhirUser patient/*.rs offline_access',
    });
    expect(pages).toHaveLength(1);
    const body = await exchange(back as URL, verifier);
    expect(body['patient']).toBe('pat-amy-shaw');
    expect(decodeJwt(body['id_token'] as string)['fhirUser']).toBe('Patient/pat-amy-shaw');
    expect(typeof body['refresh_token']).toBe('string');
  });

  it('AUTHZ-12, SCOPE-04: unchecked scopes are not granted and the token response says so', async () => {
    const { back, verifier, pages } = await standalone({
      username: 'amy.shaw',
      scope: 'launch/patient patient/Patient.rs patient/Observation.rs offline_access',
      uncheck: ['patient/Observation.rs', 'offline_access'],
    });
    expect(pages.at(-1)).toContain('Observation resources');
    const body = await exchange(back as URL, verifier);
    expect(body['scope']).toBe('launch/patient patient/Patient.rs');
    expect(body['refresh_token']).toBeUndefined();
  });

  it('AUTHZ-05: the user denies: redirect with access_denied and the state', async () => {
    const { back } = await standalone({
      username: 'amy.shaw',
      scope: 'launch/patient patient/*.rs',
      decision: 'deny',
    });
    expect(back?.searchParams.get('error')).toBe('access_denied');
    expect(back?.searchParams.get('code')).toBeNull();
    expect(back?.searchParams.get('state')).toBe('standalone-state');
  });

  it('AUTHZ-01: the standalone authorize works by POST too', async () => {
    const { back, verifier } = await standalone({
      method: 'POST',
      username: 'amy.shaw',
      scope: 'launch/patient patient/*.rs',
    });
    expect((await exchange(back as URL, verifier))['patient']).toBe('pat-amy-shaw');
  });

  it('a wrong password is 401 and shows the login page again', async () => {
    const { login } = await standalone({ scope: 'launch/patient patient/*.rs', password: 'nope' });
    expect(login?.status).toBe(401);
    expect(await login?.text()).toContain('Wrong username or password');
  });

  it('REFRESH-01: online_access is not granted in a standalone launch', async () => {
    const { back, verifier } = await standalone({
      username: 'amy.shaw',
      scope: 'launch/patient patient/*.rs online_access',
    });
    const body = await exchange(back as URL, verifier);
    expect(body['scope']).toBe('launch/patient patient/*.rs');
    expect(body['refresh_token']).toBeUndefined();
  });

  it('the "launch" scope without a launch parameter is invalid_scope', async () => {
    const { challenge } = pkcePair();
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: appClientId,
      redirect_uri: appRedirectUri,
      scope: 'launch patient/*.rs',
      state: 's',
      aud: sandbox.fhirBaseUrl,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const response = await fetch(`${sandbox.baseUrl}/auth/authorize?${params}`, {
      redirect: 'manual',
    });
    const back = new URL(response.headers.get('location') ?? '');
    expect(back.searchParams.get('error')).toBe('invalid_scope');
  });

  it('an unknown or expired authorization request shows a page (400)', async () => {
    const response = await fetch(`${sandbox.baseUrl}/auth/login?request=nope`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('unknown or expired');
  });
});
