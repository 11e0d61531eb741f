import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type SandboxHarness } from '../../test/harness.js';

/** HL7 capability vocabulary (DISC-08). */
const knownCapabilities = new Set([
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner',
  'context-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'smart-app-state',
]);

describe('SMART App Launch 2.2 §conformance — discovery documents', () => {
  let sandbox: SandboxHarness;
  let config: Record<string, unknown>;

  beforeAll(async () => {
    sandbox = await startSandbox();
    config = (await (
      await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`)
    ).json()) as Record<string, unknown>;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it.each([['application/json'], ['text/html'], [undefined]])(
    'DISC-01/02: well-known under the FHIR base path is JSON with Accept %s',
    async (accept) => {
      const response = await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`, {
        headers: accept ? { accept } : {},
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as { token_endpoint: string }).token_endpoint).toBeTruthy();
    },
  );

  it('DISC-03/05/06/07/14, BS-01: required and recommended fields, absolute URLs, S256 only', () => {
    expect(config).toMatchObject({
      issuer: sandbox.fhirBaseUrl,
      authorization_endpoint: `${sandbox.baseUrl}/auth/authorize`,
      token_endpoint: `${sandbox.baseUrl}/auth/token`,
      jwks_uri: `${sandbox.baseUrl}/auth/jwks`,
      introspection_endpoint: `${sandbox.baseUrl}/auth/introspect`,
      revocation_endpoint: `${sandbox.baseUrl}/auth/revoke`,
      registration_endpoint: `${sandbox.baseUrl}/auth/register`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    });
    for (const [key, value] of Object.entries(config)) {
      if (key.endsWith('_endpoint') || key.endsWith('_uri')) {
        expect(new URL(value as string).protocol).toBe('http:');
      }
    }
    expect(config['scopes_supported']).toEqual(
      expect.arrayContaining(['system/*.rs', 'offline_access']),
    );
  });

  it('DISC-04/08/09: capabilities are known strings forming complete capability sets', () => {
    const capabilities = config['capabilities'] as string[];
    expect(capabilities.every((c) => typeof c === 'string' && knownCapabilities.has(c))).toBe(true);
    expect(capabilities).toEqual(
      expect.arrayContaining([
        // Clinician EHR launch + patient standalone + g10 extras
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'permission-user',
        'permission-patient',
        'permission-offline',
        'sso-openid-connect',
        'permission-v1',
        'permission-v2',
      ]),
    );
    expect(config['issuer']).toBe(sandbox.fhirBaseUrl);
  });

  it('DISC-12, OIDC-02: openid-configuration and a JWKS of bare RSA keys with kid', async () => {
    const response = await fetch(`${sandbox.fhirBaseUrl}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const oidc = (await response.json()) as Record<string, unknown>;
    expect(oidc).toMatchObject({
      issuer: sandbox.fhirBaseUrl,
      jwks_uri: config['jwks_uri'],
      subject_types_supported: ['public'],
      response_types_supported: ['code'],
    });
    expect(oidc['id_token_signing_alg_values_supported']).toContain('RS256');
    const jwks = (await (await fetch(oidc['jwks_uri'] as string)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(typeof key['kid']).toBe('string');
      expect(key['d']).toBeUndefined();
    }
  });

  it.each([
    ['/fhir/.well-known/smart-configuration'],
    ['/fhir/.well-known/openid-configuration'],
    ['/fhir/metadata'],
    ['/auth/jwks'],
  ])('DISC-10: %s answers any Origin', async (path) => {
    const response = await fetch(`${sandbox.baseUrl}${path}`, {
      headers: { origin: 'https://app.example' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('LAUNCH-09: smart_style_url serves the style JSON', async () => {
    const response = await fetch(`${sandbox.baseUrl}/smart-style.json`);
    const style = (await response.json()) as Record<string, string>;
    expect(Object.keys(style)).toEqual(
      expect.arrayContaining(['color_background', 'color_text', 'font_family_body']),
    );
  });
});
