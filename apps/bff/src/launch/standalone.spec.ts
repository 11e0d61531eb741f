import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { routesOf } from '../bootstrap.js';
import { openApiDocument } from '../openapi/openapi.document.js';
import { startBff, type BffHarness } from '../../test/harness.js';

describe('BFF standalone launch, re-authorisation, CSP and its OpenAPI document', () => {
  let bff: BffHarness;

  beforeAll(async () => {
    bff = await startBff();
  });
  afterAll(async () => {
    await bff.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${bff.baseUrl}${path}`, { headers, redirect: 'manual' });

  it('LAUNCH-05: standalone asks for launch/patient instead of launch, with no launch parameter', async () => {
    const response = await get(`/login?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}`);
    expect(response.status).toBe(302);
    const authorize = new URL(response.headers.get('location') ?? '');
    expect(authorize.searchParams.get('scope')).toBe(
      'launch/patient openid fhirUser patient/Patient.rs',
    );
    expect(authorize.searchParams.has('launch')).toBe(false);
    expect(authorize.searchParams.get('aud')).toBe(bff.ehr.fhirBaseUrl);
  });

  it('lists registered EHRs for the chooser', async () => {
    const response = await get('/api/ehrs');
    expect(await response.json()).toEqual({
      ehrs: [{ issuer: bff.ehr.fhirBaseUrl, name: 'Fake EHR', vendor: 'generic' }],
    });
  });

  it.each(['https://evil.example/x', '//evil.example/x', '/\\evil.example', 'relative'])(
    'refuses the unsafe return path %s (no open redirect)',
    async (returnTo) => {
      const response = await get(
        `/login?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}&return=${encodeURIComponent(returnTo)}`,
      );
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    },
  );

  it('re-authorisation returns to the same screen with a new session', async () => {
    const start = await get(`/launch?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}&launch=l`);
    const authorize = new URL(start.headers.get('location') ?? '');
    const code = bff.ehr.issueCode(authorize.toString());
    const callback = await get(
      `/callback?code=${code}&state=${encodeURIComponent(authorize.searchParams.get('state') ?? '')}`,
    );
    const handle =
      new URL(callback.headers.get('location') ?? '').searchParams.get('session') ?? '';
    const cookie = (callback.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

    const reauth = await get(
      `/reauthorize?session=${handle}&return=${encodeURIComponent('/?tab=vitals')}`,
      { cookie },
    );
    expect(reauth.status).toBe(302);
    const again = new URL(reauth.headers.get('location') ?? '');
    expect(again.searchParams.get('scope')).toContain('launch/patient');
    const code2 = bff.ehr.issueCode(again.toString());
    const back = await get(
      `/callback?code=${code2}&state=${encodeURIComponent(again.searchParams.get('state') ?? '')}`,
    );
    const appUrl = new URL(back.headers.get('location') ?? '');
    expect(appUrl.pathname).toBe('/');
    expect(appUrl.searchParams.get('tab')).toBe('vitals');
    expect(appUrl.searchParams.get('session')).not.toBe(handle);

    const unknown = await get('/reauthorize?session=AAAAAAAAAAAAAAAA', { cookie });
    expect(unknown.status).toBe(400);
  });

  it('HTML pages carry frame-ancestors limited to registered EHR origins, and no-referrer', async () => {
    const response = await get('/launch?iss=https%3A%2F%2Funknown.example%2Ffhir&launch=x');
    expect(response.headers.get('content-security-policy')).toBe(
      `frame-ancestors 'self' ${new URL(bff.ehr.fhirBaseUrl).origin}`,
    );
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const policy = await (await get('/api/content-security-policy')).json();
    expect(policy).toEqual({
      policy: `frame-ancestors 'self' ${new URL(bff.ehr.fhirBaseUrl).origin}`,
    });
  });

  it('the OpenAPI document describes every route the BFF serves, and nothing else', async () => {
    const served = await (await get('/api/openapi.json')).json();
    expect(served).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    const toOpenApi = (url: string) =>
      url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\*$/, '{path}');
    const routes = routesOf(bff.app)
      .filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS')
      .map((route) => `${route.method} ${toOpenApi(route.url)}`)
      .sort();
    const documented = Object.entries(openApiDocument.paths)
      .flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(routes).toEqual(documented);
  });
});
