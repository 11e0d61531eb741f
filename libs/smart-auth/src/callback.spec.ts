import { describe, expect, it } from 'vitest';

import { parseAuthorizationCallback, readCallbackState } from './callback.js';
import {
  AccessDeniedError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  ServerError,
  StateMismatchError,
  TemporarilyUnavailableError,
  UnauthorizedClientError,
  UnsupportedResponseTypeError,
} from './errors.js';

const STATE = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';

describe('SMART App Launch 2.2 §app-launch "Response" — callback validation (STATE-03)', () => {
  it('returns code and state on a matching redirect', () => {
    expect(
      parseAuthorizationCallback(`https://app/after-auth?code=123abc&state=${STATE}`, STATE),
    ).toEqual({ code: '123abc', state: STATE });
  });

  it('accepts a URL object and a path-only string', () => {
    expect(
      parseAuthorizationCallback(new URL(`https://app/cb?state=${STATE}&code=c`), STATE).code,
    ).toBe('c');
    expect(parseAuthorizationCallback(`/cb?state=${STATE}&code=c2`, STATE).code).toBe('c2');
  });

  it.each([
    ['missing', '/cb?code=abc'],
    ['empty', '/cb?code=abc&state='],
    ['different', '/cb?code=abc&state=other'],
    ['a prefix of the expected one', `/cb?code=abc&state=${STATE.slice(0, -1)}`],
    ['repeated', `/cb?code=abc&state=${STATE}&state=${STATE}`],
  ])('state %s → StateMismatchError (400, exposable)', (_label, url) => {
    const call = () => parseAuthorizationCallback(url, STATE);
    expect(call).toThrow(StateMismatchError);
    expect(call).toThrow(
      expect.objectContaining({ code: 'state_mismatch', status: 400, exposable: true }),
    );
  });

  it('rejects when no state was expected (empty expected state)', () => {
    expect(() => parseAuthorizationCallback('/cb?code=abc&state=', '')).toThrow(StateMismatchError);
  });

  it('checks state before reporting an error redirect', () => {
    expect(() => parseAuthorizationCallback('/cb?error=access_denied&state=forged', STATE)).toThrow(
      StateMismatchError,
    );
  });

  it.each([
    ['access_denied', AccessDeniedError, 403],
    ['invalid_request', InvalidRequestError, 400],
    ['unauthorized_client', UnauthorizedClientError, 400],
    ['unsupported_response_type', UnsupportedResponseTypeError, 400],
    ['invalid_scope', InvalidScopeError, 400],
    ['server_error', ServerError, 500],
    ['temporarily_unavailable', TemporarilyUnavailableError, 503],
  ] as const)('error=%s → %o', (code, Class, status) => {
    const url = `/cb?error=${code}&error_description=The+user+said+no&error_uri=https%3A%2F%2Fehr%2Fe&state=${STATE}`;
    let thrown: unknown;
    try {
      parseAuthorizationCallback(url, STATE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Class);
    expect(thrown).toMatchObject({
      error: code,
      errorDescription: 'The user said no',
      errorUri: 'https://ehr/e',
      status,
    });
  });

  it('an unknown error code (login_required) is an OAuthError with that code', () => {
    expect(() =>
      parseAuthorizationCallback(`/cb?error=login_required&state=${STATE}`, STATE),
    ).toThrow(expect.objectContaining({ constructor: OAuthError, error: 'login_required' }));
  });

  it.each([
    ['missing', `/cb?state=${STATE}`],
    ['empty', `/cb?code=&state=${STATE}`],
    ['repeated', `/cb?code=a&code=b&state=${STATE}`],
  ])('code %s → InvalidRequestError', (_label, url) => {
    expect(() => parseAuthorizationCallback(url, STATE)).toThrow(
      expect.objectContaining({
        constructor: InvalidRequestError,
        error: 'invalid_request',
        errorDescription: 'authorization response has no single code',
        status: 400,
      }),
    );
  });

  it('STATE-07: returns the RFC 9207 iss and checks it when an issuer is expected', () => {
    const url = `/cb?code=c&state=${STATE}&iss=https%3A%2F%2Fas.example`;
    expect(parseAuthorizationCallback(url, STATE)).toEqual({
      code: 'c',
      state: STATE,
      iss: 'https://as.example',
    });
    expect(
      parseAuthorizationCallback(url, STATE, { expectedIssuer: 'https://as.example' }).code,
    ).toBe('c');
    expect(() =>
      parseAuthorizationCallback(url, STATE, { expectedIssuer: 'https://other.example' }),
    ).toThrow(
      expect.objectContaining({
        constructor: InvalidRequestError,
        errorDescription: 'authorization response iss does not match the authorization server',
      }),
    );
  });
});

describe('readCallbackState — look up the pending authorization before validating', () => {
  it.each([
    [`/cb?code=c&state=${STATE}`, STATE],
    ['/cb?code=c', undefined],
    ['/cb?code=c&state=', undefined],
    ['/cb?state=a&state=b', undefined],
    [new URL('https://app/cb?state=x'), 'x'],
  ])('%s → %s', (url, expected) => {
    expect(readCallbackState(url)).toBe(expected);
  });
});
