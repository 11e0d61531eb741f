import { createHash, randomBytes } from 'node:crypto';

import type { RunningPlatform } from './platform.js';

/** Follows one redirect hop without letting fetch follow it. */
async function hop(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, redirect: 'manual' });
}

function location(response: Response, base: string): string {
  const value = response.headers.get('location');
  if (!value) throw new Error(`expected a redirect from ${base}, got ${response.status}`);
  return new URL(value, base).toString();
}

/** The `launch` value the sandbox launcher hands the app for `patientId`. */
export async function launcherLaunch(
  platform: RunningPlatform,
  patientId: string,
): Promise<{ appLaunchUrl: string; launch: string }> {
  const launcher = new URL(platform.launcherUrl);
  const created = await hop(new URL('/launcher/launch', launcher).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ patientId, clientId: 'bedside-web' }),
  });
  const page = await (await fetch(location(created, launcher.toString()))).text();
  const src = /<iframe[^>]+src="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
  if (!src) throw new Error('no app iframe on the EHR page');
  return { appLaunchUrl: src, launch: new URL(src).searchParams.get('launch') ?? '' };
}

/**
 * A complete EHR launch over plain HTTP, as the browser would do it: launcher → app /launch →
 * sandbox authorize → app /callback. Returns what a tab holds: the handle and the cookie.
 */
export async function launchOverHttp(
  platform: RunningPlatform,
  patientId: string,
): Promise<{ handle: string; cookie: string }> {
  const { appLaunchUrl } = await launcherLaunch(platform, patientId);
  const toAuthorize = await hop(appLaunchUrl);
  const toCallback = await hop(location(toAuthorize, appLaunchUrl));
  const callbackUrl = location(toCallback, platform.launcherUrl);
  const toApp = await hop(callbackUrl);
  const handle = new URL(location(toApp, callbackUrl)).searchParams.get('session') ?? '';
  const cookie = (toApp.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (!handle || !cookie) throw new Error('the launch did not yield a session');
  return { handle, cookie };
}

/** An access token straight from the sandbox (the app's client, PKCE), for direct FHIR calls. */
export async function directAccessToken(
  platform: RunningPlatform,
  patientId: string,
  scope: string,
): Promise<string> {
  const { launch } = await launcherLaunch(platform, patientId);
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = new URL('/callback', platform.appUrl).toString();
  const authorize = new URL('/auth/authorize', platform.launcherUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'bedside-web',
    redirect_uri: redirectUri,
    scope,
    state: randomBytes(16).toString('base64url'),
    aud: platform.fhirBaseUrl,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    launch,
  }).toString();
  const code = new URL(
    location(await hop(authorize.toString()), authorize.toString()),
  ).searchParams.get('code');
  if (!code) throw new Error('no code from the sandbox');
  const token = await fetch(new URL('/auth/token', platform.launcherUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: 'bedside-web',
    }),
  });
  return ((await token.json()) as { access_token: string }).access_token;
}
