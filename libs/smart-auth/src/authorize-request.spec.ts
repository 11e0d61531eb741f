import { describe, expect, it } from 'vitest';

import { buildAuthorizationRequest, renderAutoSubmitForm } from './authorize-request.js';

import type { AuthorizationParams } from './authorize-url.js';

const params: AuthorizationParams = {
  authorizationEndpoint: 'https://ehr/authorize?tenant=t1',
  clientId: 'app',
  redirectUri: 'https://app/cb',
  scope: 'launch openid fhirUser patient/Patient.rs',
  state: 's',
  aud: 'https://ehr/fhir',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  launch: 'xyz',
};
const longScope = Array.from({ length: 120 }, (_, i) => `patient/Type${i}.rs`).join(' ');

describe('SMART App Launch 2.2 §app-launch — authorization by GET or POST (AUTHZ-01, AUTHZ-08)', () => {
  it('uses GET when the URL is short', () => {
    const request = buildAuthorizationRequest(params, {
      server: { capabilities: ['authorize-post'] },
    });
    expect(request.method).toBe('GET');
  });

  it('uses POST when the URL is too long and the server advertises authorize-post', () => {
    const request = buildAuthorizationRequest(
      { ...params, scope: longScope },
      { server: { capabilities: ['launch-ehr', 'authorize-post'] } },
    );
    expect(request).toMatchObject({ method: 'POST', action: 'https://ehr/authorize?tenant=t1' });
    if (request.method !== 'POST') throw new Error('expected POST');
    expect(request.fields.map(([name]) => name)).toEqual([
      'response_type',
      'client_id',
      'redirect_uri',
      'launch',
      'scope',
      'state',
      'aud',
      'code_challenge',
      'code_challenge_method',
    ]);
    expect(request.fields.find(([name]) => name === 'scope')?.[1]).toBe(`launch ${longScope}`);
  });

  it('stays on GET for a long URL when POST is not advertised', () => {
    const request = buildAuthorizationRequest(
      { ...params, scope: longScope },
      { server: { authorizePost: false } },
    );
    expect(request.method).toBe('GET');
  });

  it('honours a custom length limit', () => {
    const request = buildAuthorizationRequest(params, {
      server: { authorizePost: true },
      maxUrlLength: 100,
    });
    expect(request.method).toBe('POST');
  });

  it('renders an auto-submitting, HTML-escaped form with a CSP nonce', () => {
    const html = renderAutoSubmitForm(
      {
        method: 'POST',
        action: 'https://ehr/authorize?a=1&b=2',
        fields: [['state', '"><script>alert(1)</script>']],
      },
      { scriptNonce: 'r4nd0m' },
    );
    expect(html).toContain(
      '<form id="smart-authorize" method="post" action="https://ehr/authorize?a=1&amp;b=2">',
    );
    expect(html).toContain(
      '<input type="hidden" name="state" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">',
    );
    expect(html).toContain(
      `<script nonce="r4nd0m">document.getElementById('smart-authorize').submit();</script>`,
    );
    expect(html).not.toContain('<script>alert');
  });
});
