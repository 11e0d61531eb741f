import { describe, expect, it } from 'vitest';

import {
  AccessDeniedError,
  DiscoveryError,
  IdTokenError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  ReauthorizationRequiredError,
  ServerError,
  SmartAuthError,
  StateMismatchError,
  TemporarilyUnavailableError,
  TokenResponseError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  oauthErrorFrom,
} from './errors.js';

describe('RFC 6749 §5.2 / §4.1.2.1 — oauthErrorFrom maps codes to typed errors', () => {
  it.each([
    ['invalid_request', InvalidRequestError, 400, false],
    ['invalid_client', InvalidClientError, 401, false],
    ['invalid_grant', InvalidGrantError, 400, false],
    ['unauthorized_client', UnauthorizedClientError, 400, false],
    ['unsupported_grant_type', UnsupportedGrantTypeError, 400, false],
    ['unsupported_response_type', UnsupportedResponseTypeError, 400, false],
    ['invalid_scope', InvalidScopeError, 400, true],
    ['access_denied', AccessDeniedError, 403, true],
    ['server_error', ServerError, 500, false],
    ['temporarily_unavailable', TemporarilyUnavailableError, 503, true],
  ] as const)('%s → %o (default status %i)', (code, Class, status, exposable) => {
    const error = oauthErrorFrom(code, 'details');
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).toMatchObject({
      error: code,
      code,
      errorDescription: 'details',
      status,
      exposable,
      message: `${code}: details`,
      name: Class.name,
    });
  });

  it('keeps the HTTP status and error_uri it is given', () => {
    const error = oauthErrorFrom('invalid_grant', 'Expired refresh token', 403, {
      uri: 'https://ehr/errors/1',
    });
    expect(error).toBeInstanceOf(InvalidGrantError);
    expect(error.status).toBe(403);
    expect(error.errorUri).toBe('https://ehr/errors/1');
  });

  it('unknown codes (OIDC login_required) become a plain OAuthError with status 400', () => {
    const error = oauthErrorFrom('login_required');
    expect(error.constructor).toBe(OAuthError);
    expect(error).toMatchObject({ error: 'login_required', status: 400, exposable: false });
    expect(error.errorDescription).toBeUndefined();
    expect(error.message).toBe('login_required');
  });

  it('does not resolve inherited property names as codes', () => {
    expect(oauthErrorFrom('constructor').constructor).toBe(OAuthError);
  });
});

describe('non-OAuth errors carry code, status and exposability', () => {
  it.each([
    [new DiscoveryError('http_error', 'x', { upstreamStatus: 404 }), 'http_error', 502, false],
    [new TokenResponseError('x', 200), 'invalid_token_response', 502, false],
    [new IdTokenError('nonce_mismatch', 'x'), 'nonce_mismatch', 401, false],
    [new StateMismatchError(), 'state_mismatch', 400, true],
    [new ReauthorizationRequiredError('no_refresh_token'), 'reauthorization_required', 401, true],
  ] as const)('%o', (error, code, status, exposable) => {
    expect(error).toBeInstanceOf(SmartAuthError);
    expect(error).not.toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code, status, exposable });
  });
});
