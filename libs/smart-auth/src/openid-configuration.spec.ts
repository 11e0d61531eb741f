import { describe, expect, it } from 'vitest';

import { expectError } from '../test/fixtures.js';
import { DiscoveryError } from './errors.js';
import {
  buildOpenIdConfigurationRequest,
  processOpenIdConfigurationResponse,
} from './openid-configuration.js';
import { jsonResponse } from './testing/fake-fetch.js';

const ISSUER = 'https://fhir.epic.com/interconnect-fhir-oauth/oauth2';
const config = {
  issuer: ISSUER,
  jwks_uri: `${ISSUER}/keys`,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
};

describe('OIDC Discovery §4 — openid-configuration for id_token keys (DISC-12, OIDC-05)', () => {
  it('GETs {issuer}/.well-known/openid-configuration', () => {
    const request = buildOpenIdConfigurationRequest(`${ISSUER}/`);
    expect(request.url).toBe(`${ISSUER}/.well-known/openid-configuration`);
    expect(request.headers.get('accept')).toBe('application/json');
  });

  it('returns the validated configuration', async () => {
    await expect(
      processOpenIdConfigurationResponse(ISSUER, jsonResponse(config)),
    ).resolves.toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it.each([
    [
      'issuer differs (OIDC Discovery §4.3)',
      { issuer: `${ISSUER}/` },
      'invalid_field',
      `issuer ${ISSUER}/ does not match ${ISSUER}`,
    ],
    ['issuer missing', { issuer: undefined }, 'missing_field', 'issuer is missing'],
    ['jwks_uri missing', { jwks_uri: undefined }, 'missing_field', 'jwks_uri is missing'],
    [
      'jwks_uri relative',
      { jwks_uri: '/keys' },
      'invalid_field',
      'jwks_uri is not an absolute URL',
    ],
    [
      'algs not strings',
      { id_token_signing_alg_values_supported: [256] },
      'invalid_field',
      'id_token_signing_alg_values_supported must be an array of strings',
    ],
  ])('%s → DiscoveryError %s', async (_label, patch, code, message) => {
    await expectError(
      processOpenIdConfigurationResponse(ISSUER, jsonResponse({ ...config, ...patch })),
      DiscoveryError,
      { code, message },
    );
  });

  it('HTTP errors and bad issuers', async () => {
    await expectError(
      processOpenIdConfigurationResponse(ISSUER, new Response('', { status: 404 })),
      DiscoveryError,
      { code: 'http_error', upstreamStatus: 404 },
    );
    await expectError(() => buildOpenIdConfigurationRequest('urn:x'), DiscoveryError, {
      code: 'invalid_fhir_base',
    });
  });
});
