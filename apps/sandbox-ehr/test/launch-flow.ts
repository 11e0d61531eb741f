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

/** An EHR launch for any client, straight in the database (profile and faults per launch). */
export async function createLaunchFor(
  sandbox: SandboxHarness,
  clientId: string,
  options: { profile?: string; faults?: object; patientId?: string } = {},
): Promise<string> {
  const id = randomBytes(18).toString('base64url');
  const client = await sandbox.prisma.sandboxClient.findUniqueOrThrow({ where: { clientId } });
  const patientId = options.patientId ?? 'pat-amy-shaw';
  await sandbox.prisma.sandboxLaunch.create({
    data: {
      id,
      clientId,
      userId: 'ann-lee',
      patientId,
      encounterId: `enc-${patientId.slice(4)}`,
      profile: options.profile ?? client.profile,
      ...(options.faults ? { faults: options.faults } : {}),
      expiresAt: new Date(sandbox.clock.now + 3600_000),
    },
  });
  return id;
}

/**
 * EHR launch + authorize + code exchange for `clientId`; returns the token response.
 * `auth` adds client authentication to the token request (form fields and headers).
 */
export async function ehrLaunchTokens(
  sandbox: SandboxHarness,
  options: {
    clientId?: string;
    scope?: string;
    profile?: string;
    faults?: object;
    auth?: { form?: Record<string, string>; headers?: Record<string, string> };
  } = {},
): Promise<{ response: Response; body: Record<string, unknown> }> {
  const clientId = options.clientId ?? appClientId;
  const launch = await createLaunchFor(sandbox, clientId, {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const { verifier, challenge } = pkcePair();
  const response = await authorize(sandbox, {
    launch,
    challenge,
    scope: options.scope ?? 'launch openid fhirUser patient/*.rs offline_access',
    overrides: { client_id: clientId },
  });
  const code = new URL(response.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`no code: ${response.headers.get('location')}`);
  const form: Record<string, string> = {
    ...codeExchangeForm(code, verifier),
    client_id: clientId,
    ...options.auth?.form,
  };
  if (options.auth?.headers?.['authorization']) delete form['client_id'];
  const tokenResponse = await tokenRequest(sandbox, form, options.auth?.headers ?? {});
  const text = await tokenResponse.text();
  return {
    response: tokenResponse,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export function refreshForm(
  refreshToken: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: appClientId,
    ...extra,
  };
}
