import { createHash, randomBytes } from 'node:crypto';

import { appClientId, appRedirectUri, type SandboxHarness } from './harness.js';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Clicks Launch in the launcher for `patientId` and returns the `launch` value the app receives. */
export async function createLaunch(
  sandbox: SandboxHarness,
  patientId = 'pat-amy-shaw',
): Promise<string> {
  const response = await fetch(`${sandbox.baseUrl}/launcher/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ patientId, clientId: appClientId }),
    redirect: 'manual',
  });
  if (response.status !== 303) throw new Error(`launcher answered ${response.status}`);
  const ehrPage = await fetch(new URL(response.headers.get('location') ?? '', sandbox.baseUrl));
  const iframeSrc = /<iframe[^>]+src="([^"]+)"/.exec(await ehrPage.text())?.[1];
  if (!iframeSrc) throw new Error('no app iframe on the EHR page');
  const launch = new URL(iframeSrc.replaceAll('&amp;', '&')).searchParams.get('launch');
  if (!launch) throw new Error('no launch parameter in the iframe URL');
  return launch;
}

export interface AuthorizeOptions {
  launch: string;
  challenge: string;
  state?: string;
  scope?: string;
  overrides?: Record<string, string | undefined>;
}

export function authorizeParams(
  sandbox: SandboxHarness,
  options: AuthorizeOptions,
): URLSearchParams {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: appClientId,
    redirect_uri: appRedirectUri,
    scope: options.scope ?? 'launch openid fhirUser patient/Patient.rs',
    state: options.state ?? 'state-123',
    aud: sandbox.fhirBaseUrl,
    code_challenge: options.challenge,
    code_challenge_method: 'S256',
    launch: options.launch,
    nonce: 'nonce-abc',
    ...options.overrides,
  };
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) search.set(key, value);
  return search;
}

/** GET /auth/authorize without following the redirect. */
export async function authorize(
  sandbox: SandboxHarness,
  options: AuthorizeOptions,
): Promise<Response> {
  return fetch(`${sandbox.baseUrl}/auth/authorize?${authorizeParams(sandbox, options)}`, {
    redirect: 'manual',
  });
}

/** Runs launch + authorize and returns the code and the verifier that goes with it. */
export async function obtainCode(
  sandbox: SandboxHarness,
  options: Partial<AuthorizeOptions> & { patientId?: string } = {},
): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const launch = options.launch ?? (await createLaunch(sandbox, options.patientId));
  const response = await authorize(sandbox, { ...options, launch, challenge });
  const location = new URL(response.headers.get('location') ?? '');
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location.toString()}`);
  return { code, verifier };
}

export async function tokenRequest(
  sandbox: SandboxHarness,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${sandbox.baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
}

export function codeExchangeForm(code: string, verifier: string): Record<string, string> {
  return {
    grant_type: 'authorization_code',
    code,
    redirect_uri: appRedirectUri,
    code_verifier: verifier,
    client_id: appClientId,
  };
}
