import { InvalidRequestError, StateMismatchError, oauthErrorFrom } from './errors.js';
import { timingSafeEqual } from './internal/encoding.js';

export interface AuthorizationCallback {
  code: string;
  state: string;
  /** RFC 9207 `iss` of the authorization server, when sent (not the FHIR base: STATE-07). */
  iss?: string;
}

export interface ParseCallbackOptions {
  /**
   * When set and the redirect carries an RFC 9207 `iss`, it must equal this value (mix-up
   * defence). The callback `iss` is the authorization server issuer, never the launch `iss`.
   */
  expectedIssuer?: string;
}

function toUrl(url: URL | string): URL {
  return typeof url === 'string' ? new URL(url, 'https://callback.invalid/') : url;
}

/**
 * The `state` of a redirect, so a server can look up the pending authorization before validating
 * it. Undefined when absent, empty or repeated.
 */
export function readCallbackState(url: URL | string): string | undefined {
  const states = toUrl(url).searchParams.getAll('state');
  return states.length === 1 && states[0] ? states[0] : undefined;
}

/**
 * Validates the redirect to `redirect_uri`: `state` first (missing, repeated or different →
 * {@link StateMismatchError}), then an `error` redirect (→ the typed `OAuthError`, e.g.
 * `AccessDeniedError`), then `code` (missing → `InvalidRequestError`).
 * See: SMART App Launch 2.2 §app-launch "Response" and §app-protection (STATE-03); RFC 6749
 * §4.1.2, §4.1.2.1; RFC 9207.
 * @throws {StateMismatchError | OAuthError}
 */
export function parseAuthorizationCallback(
  url: URL | string,
  expectedState: string,
  options: ParseCallbackOptions = {},
): AuthorizationCallback {
  const params = toUrl(url).searchParams;
  const state = readCallbackState(url);
  // STATE-03: reject missing/unknown state; never fall back to a stored one.
  if (state === undefined || !expectedState || !timingSafeEqual(state, expectedState)) {
    throw new StateMismatchError();
  }
  const iss = params.get('iss') ?? undefined;
  if (options.expectedIssuer !== undefined && iss !== undefined && iss !== options.expectedIssuer) {
    throw new InvalidRequestError({
      description: 'authorization response iss does not match the authorization server',
    });
  }
  const error = params.get('error');
  if (error !== null) {
    const uri = params.get('error_uri');
    throw oauthErrorFrom(
      error,
      params.get('error_description') ?? undefined,
      undefined,
      uri ? { uri } : {},
    );
  }
  const codes = params.getAll('code');
  if (codes.length !== 1 || !codes[0]) {
    throw new InvalidRequestError({ description: 'authorization response has no single code' });
  }
  return iss === undefined ? { code: codes[0], state } : { code: codes[0], state, iss };
}
