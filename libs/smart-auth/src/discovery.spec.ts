import { describe, expect, it } from 'vitest';

import { expectError } from '../test/fixtures.js';
import { discoverSmartConfiguration } from './discover.js';
import { buildDiscoveryRequest, hasCapability, processDiscoveryResponse } from './discovery.js';
import { DiscoveryError } from './errors.js';
import { createStrictFetch, jsonResponse } from './testing/fake-fetch.js';

const BASE = 'https://ehr.example.org/v/r4/fhir';

/** A complete SMART 2.2 document (IG example-app-launch + asymmetric + OIDC). */
const wellKnown = {
  issuer: 'https://ehr.example.org/v/r4/fhir',
  jwks_uri: 'https://ehr.example.org/.well-known/jwks.json',
  authorization_endpoint: 'https://ehr.example.org/auth/authorize',
  grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
  token_endpoint: 'https://ehr.example.org/auth/token',
  token_endpoint_auth_methods_supported: [
    'client_secret_basic',
    'client_secret_post',
    'private_key_jwt',
  ],
  token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
  registration_endpoint: 'https://ehr.example.org/auth/register',
  scopes_supported: ['openid', 'fhirUser', 'launch', 'launch/patient', 'patient/*.rs'],
  response_types_supported: ['code'],
  management_endpoint: 'https://ehr.example.org/user/manage',
  introspection_endpoint: 'https://ehr.example.org/user/introspect',
  revocation_endpoint: 'https://ehr.example.org/user/revoke',
  capabilities: [
    'launch-ehr',
    'launch-standalone',
    'authorize-post',
    'client-public',
    'client-confidential-symmetric',
    'client-confidential-asymmetric',
    'context-passthrough-banner',
    'context-ehr-patient',
    'sso-openid-connect',
    'permission-v2',
    'https://vendor.example/capability/x',
  ],
  code_challenge_methods_supported: ['S256'],
};

function process(body: unknown, status = 200, strict = false) {
  return processDiscoveryResponse(BASE, jsonResponse(body, status), { strict });
}

describe('SMART App Launch 2.2 §conformance — discovery request (DISC-02, DISC-13)', () => {
  it.each([
    [BASE, `${BASE}/.well-known/smart-configuration`],
    [`${BASE}/`, `${BASE}/.well-known/smart-configuration`],
    ['https://ehr.example.org', 'https://ehr.example.org/.well-known/smart-configuration'],
    [
      'https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4',
      'https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/.well-known/smart-configuration',
    ],
  ])('%s → GET %s with Accept: application/json', (base, url) => {
    const request = buildDiscoveryRequest(base);
    expect(request.method).toBe('GET');
    expect(request.url).toBe(url);
    expect(request.headers.get('Accept')).toBe('application/json');
  });

  it.each(['not a url', 'ftp://ehr/fhir', '/relative/fhir'])('rejects base %s', async (base) => {
    await expectError(() => buildDiscoveryRequest(base), DiscoveryError, {
      code: 'invalid_fhir_base',
      status: 502,
    });
  });
});

describe('SMART App Launch 2.2 §conformance — processing (DISC-03..08)', () => {
  it('returns the typed configuration of a complete document without warnings', async () => {
    const config = await process(wellKnown);
    expect(config).toMatchObject({
      fhirBaseUrl: BASE,
      source: 'well-known',
      issuer: wellKnown.issuer,
      jwks_uri: wellKnown.jwks_uri,
      authorization_endpoint: wellKnown.authorization_endpoint,
      token_endpoint: wellKnown.token_endpoint,
      introspection_endpoint: wellKnown.introspection_endpoint,
      revocation_endpoint: wellKnown.revocation_endpoint,
      capabilities: wellKnown.capabilities,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: wellKnown.grant_types_supported,
      scopes_supported: wellKnown.scopes_supported,
      token_endpoint_auth_methods_supported: wellKnown.token_endpoint_auth_methods_supported,
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      warnings: [],
    });
    expect(config.raw).toEqual(wellKnown);
  });

  it('DISC-05: resolves relative endpoint URLs against the FHIR base (as a directory)', async () => {
    const config = await process({
      ...wellKnown,
      authorization_endpoint: 'auth/authorize',
      token_endpoint: '/auth/token',
      jwks_uri: '../keys',
      associated_endpoints: [{ url: 'state', capabilities: ['smart-app-state'] }],
    });
    expect(config.authorization_endpoint).toBe(`${BASE}/auth/authorize`);
    expect(config.token_endpoint).toBe('https://ehr.example.org/auth/token');
    expect(config.jwks_uri).toBe('https://ehr.example.org/v/r4/keys');
    expect(config.associated_endpoints).toEqual([
      { url: `${BASE}/state`, capabilities: ['smart-app-state'] },
    ]);
    expect(config.warnings).toEqual([
      'jwks_uri is relative (resolved against base)',
      'authorization_endpoint is relative (resolved against base)',
      'token_endpoint is relative (resolved against base)',
    ]);
  });

  it('DISC-08: accepts STU1 context-passthrough-* names as their STU2 equivalents', async () => {
    const config = await process(wellKnown);
    expect(hasCapability(config, 'context-banner')).toBe(true);
    expect(hasCapability(config, 'context-passthrough-banner')).toBe(true);
    expect(hasCapability(config, 'context-style')).toBe(false);
    expect(hasCapability(config, 'launch-ehr')).toBe(true);
  });

  it('DISC-14: a backend-services-only server may omit authorization_endpoint', async () => {
    const { authorization_endpoint: _a, ...rest } = wellKnown;
    const config = await process({ ...rest, capabilities: ['client-confidential-asymmetric'] });
    expect(config.authorization_endpoint).toBeUndefined();
  });

  it.each([
    [
      'grant_types_supported missing',
      { grant_types_supported: undefined },
      'grant_types_supported is missing',
    ],
    [
      'code_challenge_methods_supported missing (athena 2023, DISC-13)',
      { code_challenge_methods_supported: undefined },
      'code_challenge_methods_supported is missing',
    ],
    [
      'S256 absent',
      { code_challenge_methods_supported: ['plain'] },
      'code_challenge_methods_supported lacks S256',
    ],
    [
      'plain offered (PKCE-02)',
      { code_challenge_methods_supported: ['S256', 'plain'] },
      'code_challenge_methods_supported offers plain',
    ],
    ['issuer missing with OIDC (DISC-04)', { issuer: undefined }, 'issuer is missing'],
    ['jwks_uri missing with OIDC (DISC-04)', { jwks_uri: undefined }, 'jwks_uri is missing'],
    [
      'private_key_jwt missing (DISC-07)',
      { token_endpoint_auth_methods_supported: ['client_secret_basic'] },
      'token_endpoint_auth_methods_supported lacks private_key_jwt',
    ],
    [
      'RS384/ES384 missing (DISC-07)',
      { token_endpoint_auth_signing_alg_values_supported: ['RS256'] },
      'token_endpoint_auth_signing_alg_values_supported lacks RS384 and ES384',
    ],
    [
      'unknown simple capability (DISC-08)',
      { capabilities: [...wellKnown.capabilities, 'launch-magic'] },
      'unknown capability "launch-magic"',
    ],
  ])('%s → warning, or not_conformant in strict mode', async (_label, patch, message) => {
    const body = { ...wellKnown, ...patch };
    const config = await process(body);
    expect(config.warnings.some((warning) => warning.startsWith(message))).toBe(true);
    const error = await expectError(process(body, 200, true), DiscoveryError, {
      code: 'not_conformant',
      status: 502,
    });
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('defaults the required arrays to [] when missing', async () => {
    const config = await process({
      ...wellKnown,
      grant_types_supported: undefined,
      code_challenge_methods_supported: undefined,
    });
    expect(config.grant_types_supported).toEqual([]);
    expect(config.code_challenge_methods_supported).toEqual([]);
  });

  it.each([
    [
      'token_endpoint missing',
      { token_endpoint: undefined },
      'missing_field',
      'token_endpoint is missing',
    ],
    [
      'capabilities missing',
      { capabilities: undefined },
      'missing_field',
      'capabilities is missing',
    ],
    [
      'capabilities not strings (DISC-03)',
      { capabilities: ['launch-ehr', { name: 'x' }] },
      'invalid_field',
      'capabilities must be an array of strings',
    ],
    [
      'authorization_endpoint missing with launch-ehr (DISC-03)',
      { authorization_endpoint: undefined },
      'missing_field',
      'authorization_endpoint is missing although launch-ehr/launch-standalone is advertised',
    ],
    [
      'token_endpoint not a string',
      { token_endpoint: 42 },
      'invalid_field',
      'token_endpoint must be a non-empty string',
    ],
    [
      'token_endpoint empty',
      { token_endpoint: ' ' },
      'invalid_field',
      'token_endpoint must be a non-empty string',
    ],
    [
      'token_endpoint unparsable',
      { token_endpoint: 'http://[::1' },
      'invalid_field',
      'token_endpoint is not a valid URL',
    ],
    [
      'grant_types_supported not an array',
      { grant_types_supported: 'authorization_code' },
      'invalid_field',
      'grant_types_supported must be an array of strings',
    ],
    ['issuer not a string', { issuer: 7 }, 'invalid_field', 'issuer must be a string'],
    [
      'associated_endpoints malformed',
      { associated_endpoints: [{ url: 1 }] },
      'invalid_field',
      'associated_endpoints must be an array of {url, capabilities[]}',
    ],
  ])('%s → DiscoveryError %s', async (_label, patch, code, message) => {
    await expectError(process({ ...wellKnown, ...patch }), DiscoveryError, { code, message });
  });

  it.each([
    ['a JSON array', [1, 2]],
    ['HTML', '<html>'],
  ])('a body that is %s → invalid_json', async (_label, body) => {
    const response =
      typeof body === 'string' ? new Response(body, { status: 200 }) : jsonResponse(body);
    await expectError(processDiscoveryResponse(BASE, response), DiscoveryError, {
      code: 'invalid_json',
      message: 'SMART configuration is not a JSON object',
    });
  });

  it.each([404, 500])('HTTP %i → http_error with the upstream status', async (status) => {
    await expectError(process({ error: 'x' }, status), DiscoveryError, {
      code: 'http_error',
      upstreamStatus: status,
      status: 502,
      message: `SMART configuration request failed with HTTP ${status}`,
    });
  });
});

describe('discoverSmartConfiguration — fetch + process', () => {
  it('GETs the well-known document through the injected fetch', async () => {
    const fetch = createStrictFetch({
      method: 'GET',
      url: `${BASE}/.well-known/smart-configuration`,
      headers: { accept: 'application/json' },
      respond: jsonResponse(wellKnown),
    });
    const config = await discoverSmartConfiguration(BASE, { fetch });
    expect(config.token_endpoint).toBe(wellKnown.token_endpoint);
    fetch.assertDone();
  });

  it('a network failure → DiscoveryError network_error', async () => {
    const fetch = async () => {
      throw new TypeError('fetch failed');
    };
    await expectError(discoverSmartConfiguration(BASE, { fetch }), DiscoveryError, {
      code: 'network_error',
    });
  });
});
