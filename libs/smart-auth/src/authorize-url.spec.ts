import { describe, expect, it } from 'vitest';

import { buildAuthorizationUrl } from './authorize-url.js';

import type { AuthorizationParams } from './authorize-url.js';

const base: AuthorizationParams = {
  authorizationEndpoint: 'https://ehr/authorize',
  clientId: 'app-client-id',
  redirectUri: 'https://app/after-auth',
  scope: 'launch patient/Observation.rs patient/Patient.rs openid fhirUser',
  state: '98wrghuwuogerg97',
  aud: 'https://ehr/fhir',
  codeChallenge: 'YPXe7B8ghKrj8PsT4L6ltupgI12NQJ5vblB07F4rGaw',
  launch: 'xyz123',
};

describe('SMART App Launch 2.2 §app-launch step 4 — authorization request (AUTHZ-02)', () => {
  it('builds the IG example request (§15.1) with every required parameter', () => {
    const url = buildAuthorizationUrl(base);
    expect(url.origin + url.pathname).toBe('https://ehr/authorize');
    expect([...url.searchParams]).toEqual([
      ['response_type', 'code'],
      ['client_id', 'app-client-id'],
      ['redirect_uri', 'https://app/after-auth'],
      ['launch', 'xyz123'],
      ['scope', 'launch patient/Observation.rs patient/Patient.rs openid fhirUser'],
      ['state', '98wrghuwuogerg97'],
      ['aud', 'https://ehr/fhir'],
      ['code_challenge', 'YPXe7B8ghKrj8PsT4L6ltupgI12NQJ5vblB07F4rGaw'],
      ['code_challenge_method', 'S256'],
    ]);
  });

  it('standalone launch: no launch parameter and the scope is left alone', () => {
    const { launch: _launch, ...standalone } = base;
    const url = buildAuthorizationUrl({ ...standalone, scope: 'launch/patient openid' });
    expect(url.searchParams.has('launch')).toBe(false);
    expect(url.searchParams.get('scope')).toBe('launch/patient openid');
  });

  it('LAUNCH-02: adds the launch scope for an EHR launch when it is missing', () => {
    const url = buildAuthorizationUrl({ ...base, scope: 'patient/*.rs  openid' });
    expect(url.searchParams.get('scope')).toBe('launch patient/*.rs openid');
  });

  it('keeps the endpoint query parameters and adds the nonce', () => {
    const url = buildAuthorizationUrl({
      ...base,
      authorizationEndpoint: 'https://ehr/oauth2/authorize?tenant=abc&state=stale',
      nonce: 'n-0S6_WzA2Mj',
    });
    expect(url.searchParams.get('tenant')).toBe('abc');
    expect(url.searchParams.getAll('state')).toEqual(['98wrghuwuogerg97']);
    expect(url.searchParams.get('nonce')).toBe('n-0S6_WzA2Mj');
  });

  it('passes extra parameters but never lets them override SMART ones', () => {
    expect(
      buildAuthorizationUrl({ ...base, extraParams: { prompt: 'none' } }).searchParams.get(
        'prompt',
      ),
    ).toBe('none');
    expect(() =>
      buildAuthorizationUrl({ ...base, extraParams: { code_challenge_method: 'plain' } }),
    ).toThrow('extraParams may not set code_challenge_method');
  });

  it.each(['clientId', 'redirectUri', 'scope', 'state', 'aud', 'codeChallenge'] as const)(
    'rejects an empty %s',
    (key) => {
      expect(() => buildAuthorizationUrl({ ...base, [key]: '' })).toThrow(
        `${key} is required for the authorization request`,
      );
    },
  );

  it('rejects an empty launch value', () => {
    expect(() => buildAuthorizationUrl({ ...base, launch: '' })).toThrow(
      'launch must not be empty',
    );
  });
});
