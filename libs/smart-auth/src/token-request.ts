import { CLIENT_ASSERTION_TYPE, createClientAssertion } from './client-assertion.js';
import { base64Encode, formUrlEncode } from './internal/encoding.js';

import type { ClientAssertionAlg, PrivateKeyInput } from './client-assertion.js';
import type { RandomSource } from './internal/random.js';

/**
 * How the client authenticates at the token endpoint.
 * - `none`: public client, `client_id` in the body (TOKEN-02).
 * - `client_secret_basic`: `Authorization: Basic` (CAUTH-01; RFC 6749 §2.3.1).
 * - `client_secret_post`: `client_id` + `client_secret` in the body (RFC 6749 §2.3.1; not SMART's
 *   preferred method, but some EHRs only accept it).
 * - `private_key_jwt`: signed assertion (SMART §client-confidential-asymmetric, RS384/ES384).
 */
export type ClientAuthentication =
  | { method: 'none'; clientId: string }
  | { method: 'client_secret_basic'; clientId: string; clientSecret: string }
  | { method: 'client_secret_post'; clientId: string; clientSecret: string }
  | {
      method: 'private_key_jwt';
      clientId: string;
      privateKey: PrivateKeyInput;
      kid: string;
      alg: ClientAssertionAlg;
      jku?: string;
      /** Assertion lifetime in seconds (default 240, max 300). */
      assertionLifetimeSeconds?: number;
    };

interface TokenRequestCommon {
  /** From discovery (`token_endpoint`). */
  tokenEndpoint: string;
  client: ClientAuthentication;
  /** Clock in milliseconds for the client assertion; default `Date.now`. */
  now?: () => number;
  /** Random source for the assertion `jti`; default WebCrypto. */
  random?: RandomSource;
}

export interface AuthorizationCodeRequestParams extends TokenRequestCommon {
  code: string;
  /** The same `redirect_uri` as in the authorization request (TOKEN-01). */
  redirectUri: string;
  codeVerifier: string;
}

export interface RefreshTokenRequestParams extends TokenRequestCommon {
  refreshToken: string;
  /** Optional narrower scope (REFRESH-02); omit to keep the original grant. */
  scope?: string;
}

export interface ClientCredentialsRequestParams extends TokenRequestCommon {
  /** Required for Backend Services (BS-02), e.g. `system/Patient.rs`. */
  scope: string;
}

/**
 * Builds the authorization-code token request (SMART App Launch 2.2 step 5, TOKEN-01/02):
 * form-encoded POST with `grant_type=authorization_code`, `code`, `redirect_uri`, `code_verifier`,
 * and the client authentication of `params.client`.
 * See: SMART App Launch 2.2 §app-launch "Obtain access token".
 * @throws {TypeError} on empty parameters; {@link RangeError} on a bad assertion lifetime.
 */
export async function buildAuthorizationCodeRequest(
  params: AuthorizationCodeRequestParams,
): Promise<Request> {
  requireNonEmpty({ code: params.code, redirectUri: params.redirectUri });
  // RFC 9700 §2.1.1 / PKCE-01: every client uses PKCE.
  requireNonEmpty({ codeVerifier: params.codeVerifier });
  return buildTokenRequest(params, [
    ['grant_type', 'authorization_code'],
    ['code', params.code],
    ['redirect_uri', params.redirectUri],
    ['code_verifier', params.codeVerifier],
  ]);
}

/**
 * Builds a refresh request (REFRESH-02): `grant_type=refresh_token`, `refresh_token`, optional
 * `scope`, with client authentication (public clients send `client_id`; asymmetric clients a
 * fresh assertion, REFRESH-08).
 * See: SMART App Launch 2.2 §app-launch "Refresh access token".
 * @throws {TypeError} on empty parameters.
 */
export async function buildRefreshTokenRequest(
  params: RefreshTokenRequestParams,
): Promise<Request> {
  requireNonEmpty({ refreshToken: params.refreshToken });
  const body: [string, string][] = [
    ['grant_type', 'refresh_token'],
    ['refresh_token', params.refreshToken],
  ];
  if (params.scope !== undefined && params.scope !== '') body.push(['scope', params.scope]);
  return buildTokenRequest(params, body);
}

/**
 * Builds a Backend Services token request (BS-02): `grant_type=client_credentials`, `scope`, and
 * a fresh client assertion. SMART requires `private_key_jwt`; `client_secret_basic` is accepted
 * for EHRs that allow it for system clients (Oracle Health, ehr-quirks.md §Cerner backend).
 * See: SMART App Launch 2.2 §backend-services "Request an access token".
 * @throws {TypeError} on an empty scope or a public client.
 */
export async function buildClientCredentialsRequest(
  params: ClientCredentialsRequestParams,
): Promise<Request> {
  requireNonEmpty({ scope: params.scope });
  if (params.client.method === 'none') {
    throw new TypeError('client_credentials requires an authenticated (confidential) client');
  }
  return buildTokenRequest(params, [
    ['grant_type', 'client_credentials'],
    ['scope', params.scope],
  ]);
}

async function buildTokenRequest(
  params: TokenRequestCommon,
  body: [string, string][],
): Promise<Request> {
  const headers = new Headers({
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  });
  const form = new URLSearchParams(body);
  const client = params.client;
  requireNonEmpty({ clientId: client.clientId, tokenEndpoint: params.tokenEndpoint });
  switch (client.method) {
    case 'none':
      form.set('client_id', client.clientId);
      break;
    case 'client_secret_basic':
      headers.set('Authorization', basicAuthorization(client.clientId, client.clientSecret));
      break;
    case 'client_secret_post':
      form.set('client_id', client.clientId);
      form.set('client_secret', client.clientSecret);
      break;
    case 'private_key_jwt':
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set(
        'client_assertion',
        await createClientAssertion({
          clientId: client.clientId,
          tokenEndpoint: params.tokenEndpoint,
          privateKey: client.privateKey,
          kid: client.kid,
          alg: client.alg,
          ...(client.jku !== undefined ? { jku: client.jku } : {}),
          ...(client.assertionLifetimeSeconds !== undefined
            ? { lifetimeSeconds: client.assertionLifetimeSeconds }
            : {}),
          ...(params.now ? { now: params.now } : {}),
          ...(params.random ? { random: params.random } : {}),
        }),
      );
      break;
  }
  return new Request(params.tokenEndpoint, { method: 'POST', headers, body: form.toString() });
}

/**
 * `Basic base64(form-urlencode(client_id) ":" form-urlencode(client_secret))`.
 * See: RFC 6749 §2.3.1; SMART §client-confidential-symmetric (CAUTH-01).
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${base64Encode(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`)}`;
}

function requireNonEmpty(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${name} is required`);
  }
}
