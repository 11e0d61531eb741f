import type { Vendor } from '../types.js';

/**
 * Real-shaped vendor fixtures for the fake EHR: bases, endpoint layouts, discovery documents and
 * CapabilityStatements as the vendors serve them (ehr-quirks.md §2.1, §3.1, §4.1, §5; the
 * captures E4, E5, C7, C13, A2, W1). Hosts are the vendors' shapes; the fake never touches a
 * network.
 */
export interface VendorProfile {
  vendor: Vendor;
  /** FHIR base (`iss`). */
  fhirBaseUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  /** OIDC issuer of the id_token (row 24: not the FHIR iss for Epic, Oracle, athena). */
  oidcIssuer: string;
  /** Access-token lifetime in seconds (row 25: Oracle 570). */
  accessTokenTtlSeconds: number;
  /** The well-known document, before the fake fills in nothing else. */
  smartConfiguration: Record<string, unknown>;
  capabilityStatement: Record<string, unknown>;
  /** How `fhirUser` appears in the id_token (row 23). */
  fhirUserClaim: (type: string, id: string) => string;
}

const SMART_EXT = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

function capabilityStatement(
  software: { name: string; version?: string },
  publisher: string,
  authorize: string,
  token: string,
  extraExtensions: unknown[] = [],
): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-05-01',
    kind: 'instance',
    publisher,
    software,
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
          extension: [
            ...extraExtensions,
            {
              url: SMART_EXT,
              extension: [
                { url: 'authorize', valueUri: authorize },
                { url: 'token', valueUri: token },
              ],
            },
          ],
        },
        resource: [
          { type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }] },
          {
            type: 'Observation',
            interaction: [
              { code: 'read' },
              { code: 'search-type' },
              { code: 'create' },
              { code: 'update' },
            ],
          },
        ],
      },
    ],
  };
}

const EPIC_HOST = 'https://fhir.epic.example.org/interconnect-fhir-oauth';
const EPIC_BASE = `${EPIC_HOST}/api/FHIR/R4`;
const ORACLE_TENANT = 'ec2458f2-1e24-41c8-b71b-0e701af7583d';
const ORACLE_BASE = `https://fhir-ehr-code.cerner.com/r4/${ORACLE_TENANT}`;
const ORACLE_AUTH = `https://authorization.cerner.com/tenants/${ORACLE_TENANT}`;
const ATHENA_BASE = 'https://api.preview.platform.athenahealth.com/fhir/r4';
const ATHENA_OKTA = 'https://athena.okta.com/oauth2/aus2hff5eqFb7Wqfh297';
const ECW_BASE = 'https://fhir4.healow.com/fhir/r4/FFBJCD';
const ECW_OAUTH = 'https://oauthserver.eclinicalworks.com/oauth/oauth2';
const GENERIC_BASE = 'https://ehr.example.org/fhir';

export const vendorProfiles: Readonly<Record<Vendor, VendorProfile>> = {
  generic: {
    vendor: 'generic',
    fhirBaseUrl: GENERIC_BASE,
    authorizeUrl: 'https://ehr.example.org/auth/authorize',
    tokenUrl: 'https://ehr.example.org/auth/token',
    jwksUrl: 'https://ehr.example.org/auth/jwks',
    oidcIssuer: GENERIC_BASE,
    accessTokenTtlSeconds: 3600,
    smartConfiguration: {
      issuer: GENERIC_BASE,
      jwks_uri: 'https://ehr.example.org/auth/jwks',
      authorization_endpoint: 'https://ehr.example.org/auth/authorize',
      token_endpoint: 'https://ehr.example.org/auth/token',
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes_supported: [
        'openid',
        'fhirUser',
        'launch',
        'launch/patient',
        'offline_access',
        'patient/*.rs',
        'user/*.rs',
        'system/*.rs',
      ],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-asymmetric',
        'sso-openid-connect',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'permission-offline',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
        'context-banner',
        'context-style',
      ],
    },
    capabilityStatement: capabilityStatement(
      { name: 'Bedside test server' },
      'Example',
      'https://ehr.example.org/auth/authorize',
      'https://ehr.example.org/auth/token',
    ),
    fhirUserClaim: (type, id) => `${GENERIC_BASE}/${type}/${id}`,
  },
  // E4 (live well-known), E5 (CapabilityStatement "Epic May 2026"), E1/E2 (token + id_token).
  epic: {
    vendor: 'epic',
    fhirBaseUrl: EPIC_BASE,
    authorizeUrl: `${EPIC_HOST}/oauth2/authorize`,
    tokenUrl: `${EPIC_HOST}/oauth2/token`,
    jwksUrl: `${EPIC_HOST}/api/epic/2019/Security/Open/PublicKeys/530005/OIDC`,
    oidcIssuer: `${EPIC_HOST}/oauth2`,
    accessTokenTtlSeconds: 3600,
    smartConfiguration: {
      authorization_endpoint: `${EPIC_HOST}/oauth2/authorize`,
      token_endpoint: `${EPIC_HOST}/oauth2/token`,
      token_endpoint_auth_methods_supported: [
        'client_secret_post',
        'client_secret_basic',
        'private_key_jwt',
      ],
      grant_types_supported: [
        'authorization_code',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ],
      scopes_supported: ['epic.scanning.dmsusername', 'fhirUser', 'launch', 'openid', 'profile'],
      response_types_supported: ['code'],
      capabilities: [
        'launch-ehr',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'context-ehr-patient',
        'context-ehr-encounter',
        'sso-openid-connect',
        'context-banner',
        'context-style',
        'permission-offline',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
        'launch-standalone',
        'context-standalone-patient',
        'authorize-post',
      ],
      code_challenge_methods_supported: ['S256'],
      jwks_uri: `${EPIC_HOST}/api/epic/2019/Security/Open/PublicKeys/530005/OIDC`,
    },
    capabilityStatement: capabilityStatement(
      { name: 'Epic', version: 'May 2026' },
      'Epic',
      `${EPIC_HOST}/oauth2/authorize`,
      `${EPIC_HOST}/oauth2/token`,
    ),
    // Row 23: one Epic doc example has this odd path (E1).
    fhirUserClaim: (type, id) => `${EPIC_HOST}/oauth2/api/FHIR/R4/${type}/${id}`,
  },
  // C13 (2026 live capture, provider persona) and C7.
  oracle: {
    vendor: 'oracle',
    fhirBaseUrl: ORACLE_BASE,
    authorizeUrl: `${ORACLE_AUTH}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize`,
    tokenUrl: `${ORACLE_AUTH}/hosts/fhir-ehr-code.cerner.com/protocols/oauth2/profiles/smart-v1/token`,
    jwksUrl: 'https://authorization.cerner.com/jwk',
    oidcIssuer: `${ORACLE_AUTH}/oidc/idsps/${ORACLE_TENANT}/`,
    accessTokenTtlSeconds: 570,
    smartConfiguration: {
      issuer: `${ORACLE_AUTH}/oidc/idsps/${ORACLE_TENANT}/`,
      jwks_uri: 'https://authorization.cerner.com/jwk',
      authorization_endpoint: `${ORACLE_AUTH}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize`,
      token_endpoint: `${ORACLE_AUTH}/hosts/fhir-ehr-code.cerner.com/protocols/oauth2/profiles/smart-v1/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      scopes_supported: [
        'openid',
        'fhirUser',
        'launch',
        'launch/patient',
        'offline_access',
        'online_access',
        'patient/Patient.rs',
        'patient/Observation.rs',
        'patient/Encounter.rs',
        'user/Patient.rs',
        'user/Observation.rs',
        'user/Encounter.rs',
        'user/Practitioner.rs',
      ],
      response_types_supported: ['code'],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'sso-openid-connect',
        'context-banner',
        'context-style',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'permission-offline',
        'permission-online',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
      ],
      // Row 3: the 2023 document had no code_challenge_methods_supported (C7, O13).
      revocation_endpoint: `${ORACLE_AUTH}/protocols/oauth2/profiles/smart-v1/token/revoke`,
      management_endpoint: 'https://authorization.cerner.com/applications/manage',
      introspection_endpoint: `${ORACLE_AUTH}/protocols/oauth2/profiles/smart-v1/token/tokeninfo`,
    },
    capabilityStatement: capabilityStatement(
      { name: 'Cerner Millennium', version: '2026.01' },
      'Oracle Health',
      `${ORACLE_AUTH}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize`,
      `${ORACLE_AUTH}/hosts/fhir-ehr-code.cerner.com/protocols/oauth2/profiles/smart-v1/token`,
    ),
    // Row 23: the decoded doc example points fhirUser at a DSTU2 base (C1-C3).
    fhirUserClaim: (type, id) =>
      `https://fhir-ehr-code.cerner.com/dstu2/${ORACLE_TENANT}/${type}/${id}`,
  },
  // A2 (2026 live captures), Nov 2023 variant without code_challenge_methods_supported (O2).
  athena: {
    vendor: 'athena',
    fhirBaseUrl: ATHENA_BASE,
    authorizeUrl: 'https://api.preview.platform.athenahealth.com/oauth2/v1/authorize',
    tokenUrl: 'https://api.preview.platform.athenahealth.com/oauth2/v1/token',
    jwksUrl: 'https://api.preview.platform.athenahealth.com/oauth2/v1/keys',
    oidcIssuer: ATHENA_OKTA,
    accessTokenTtlSeconds: 3600,
    smartConfiguration: {
      issuer: ATHENA_OKTA,
      jwks_uri: 'https://api.preview.platform.athenahealth.com/oauth2/v1/keys',
      authorization_endpoint: 'https://api.preview.platform.athenahealth.com/oauth2/v1/authorize',
      token_endpoint: 'https://api.preview.platform.athenahealth.com/oauth2/v1/token',
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'client_secret_jwt',
        'private_key_jwt',
        'none',
      ],
      // A2: a non-standard duplicate key.
      token_endpoint_auth_methods: ['client_secret_basic', 'private_key_jwt', 'none'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      response_types_supported: ['code'],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'sso-openid-connect',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'context-banner',
        'context-style',
        'permission-offline',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
      ],
    },
    capabilityStatement: capabilityStatement(
      { name: 'athenahealth FHIR Server' },
      'athenahealth',
      'https://api.preview.platform.athenahealth.com/oauth2/v1/authorize',
      'https://api.preview.platform.athenahealth.com/oauth2/v1/token',
      // Row 4: a bogus duplicate oauth-uris extension comes first (A2).
      [
        {
          url: 'http://DSTU2/fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
          extension: [
            { url: 'authorize', valueUri: 'https://wrong.example.org/authorize' },
            { url: 'token', valueUri: 'https://wrong.example.org/token' },
          ],
        },
      ],
    ),
    fhirUserClaim: (type, id) => `${ATHENA_BASE}/${type}/${id}`,
  },
  // W1, W4: per-practice base, shared OAuth host.
  ecw: {
    vendor: 'ecw',
    fhirBaseUrl: ECW_BASE,
    authorizeUrl: `${ECW_OAUTH}/authorize`,
    tokenUrl: `${ECW_OAUTH}/token`,
    jwksUrl: `${ECW_OAUTH}/jwks`,
    oidcIssuer: `${ECW_OAUTH}`,
    accessTokenTtlSeconds: 3600,
    smartConfiguration: {
      issuer: `${ECW_OAUTH}`,
      jwks_uri: `${ECW_OAUTH}/jwks`,
      authorization_endpoint: `${ECW_OAUTH}/authorize`,
      token_endpoint: `${ECW_OAUTH}/token`,
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes_supported: [
        'openid',
        'fhirUser',
        'launch',
        'launch/patient',
        'offline_access',
        'online_access',
        'patient/Patient.read',
        'patient/Observation.read',
        'user/Patient.read',
        'system/Patient.read',
      ],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-asymmetric',
        'sso-openid-connect',
        'context-ehr-patient',
        'context-standalone-patient',
        'permission-offline',
        'permission-online',
        'permission-patient',
        'permission-user',
        'permission-v1',
      ],
    },
    capabilityStatement: capabilityStatement(
      { name: 'eClinicalWorks FHIR Server' },
      'eClinicalWorks',
      `${ECW_OAUTH}/authorize`,
      `${ECW_OAUTH}/token`,
    ),
    fhirUserClaim: (type, id) => `${ECW_BASE}/${type}/${id}`,
  },
};
