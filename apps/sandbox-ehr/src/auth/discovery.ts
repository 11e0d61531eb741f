import type { SandboxConfig } from '../config.js';

/** Every endpoint of the authorization server, absolute (DISC-05). */
export function authServerEndpoints(config: SandboxConfig) {
  const base = config.publicUrl;
  return {
    authorization_endpoint: `${base}/auth/authorize`,
    token_endpoint: `${base}/auth/token`,
    jwks_uri: `${base}/auth/jwks`,
    introspection_endpoint: `${base}/auth/introspect`,
    revocation_endpoint: `${base}/auth/revoke`,
    registration_endpoint: `${base}/auth/register`,
    smart_style_url: `${base}/smart-style.json`,
  } as const;
}

const tokenEndpointAuthMethods = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
] as const;

/**
 * `.well-known/smart-configuration` (DISC-01..09, DISC-14, BS-01). Capabilities list exactly what
 * this server does; every one of them is exercised by a test (see apps/sandbox-ehr/CONFORMANCE.md).
 */
export function smartConfigurationDocument(config: SandboxConfig) {
  const endpoints = authServerEndpoints(config);
  return {
    issuer: config.fhirBaseUrl,
    jwks_uri: endpoints.jwks_uri,
    authorization_endpoint: endpoints.authorization_endpoint,
    token_endpoint: endpoints.token_endpoint,
    introspection_endpoint: endpoints.introspection_endpoint,
    revocation_endpoint: endpoints.revocation_endpoint,
    registration_endpoint: endpoints.registration_endpoint,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: [...tokenEndpointAuthMethods],
    // DISC-07: asymmetric client authentication algorithms.
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: [
      'openid',
      'fhirUser',
      'profile',
      'launch',
      'launch/patient',
      'launch/encounter',
      'offline_access',
      'online_access',
      'patient/*.rs',
      'user/*.rs',
      'system/*.rs',
      'patient/*.read',
      'user/*.read',
      'system/*.read',
    ],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
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
    ],
  };
}

/** DISC-12: OpenID Provider metadata; `issuer` equals the id_token `iss` (the FHIR base). */
export function openIdConfigurationDocument(config: SandboxConfig) {
  const endpoints = authServerEndpoints(config);
  return {
    issuer: config.fhirBaseUrl,
    authorization_endpoint: endpoints.authorization_endpoint,
    token_endpoint: endpoints.token_endpoint,
    jwks_uri: endpoints.jwks_uri,
    registration_endpoint: endpoints.registration_endpoint,
    introspection_endpoint: endpoints.introspection_endpoint,
    revocation_endpoint: endpoints.revocation_endpoint,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    scopes_supported: ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser', 'profile'],
    token_endpoint_auth_methods_supported: [...tokenEndpointAuthMethods],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    code_challenge_methods_supported: ['S256'],
  };
}
