import { DiscoveryError, DiscoveryErrorCode } from './errors.js';
import { isJsonObject, isStringArray, readJson } from './internal/http.js';

import type { JsonObject } from './internal/http.js';

/**
 * The SMART capability vocabulary of SMART App Launch 2.2 §conformance (DISC-08), plus the STU1
 * names `context-passthrough-banner` / `context-passthrough-style` still served by some servers.
 */
export const SmartCapability = {
  LaunchEhr: 'launch-ehr',
  LaunchStandalone: 'launch-standalone',
  AuthorizePost: 'authorize-post',
  ClientPublic: 'client-public',
  ClientConfidentialSymmetric: 'client-confidential-symmetric',
  ClientConfidentialAsymmetric: 'client-confidential-asymmetric',
  SsoOpenidConnect: 'sso-openid-connect',
  ContextBanner: 'context-banner',
  ContextStyle: 'context-style',
  ContextEhrPatient: 'context-ehr-patient',
  ContextEhrEncounter: 'context-ehr-encounter',
  ContextStandalonePatient: 'context-standalone-patient',
  ContextStandaloneEncounter: 'context-standalone-encounter',
  PermissionOffline: 'permission-offline',
  PermissionOnline: 'permission-online',
  PermissionPatient: 'permission-patient',
  PermissionUser: 'permission-user',
  PermissionV1: 'permission-v1',
  PermissionV2: 'permission-v2',
  SmartAppState: 'smart-app-state',
} as const;
export type SmartCapability = (typeof SmartCapability)[keyof typeof SmartCapability];

const KNOWN_CAPABILITIES: ReadonlySet<string> = new Set<string>([
  ...Object.values(SmartCapability),
  'context-passthrough-banner',
  'context-passthrough-style',
]);

/** STU1 spellings accepted as equivalent (DISC-08). */
const CAPABILITY_ALIASES: Readonly<Record<string, string>> = {
  'context-passthrough-banner': SmartCapability.ContextBanner,
  'context-passthrough-style': SmartCapability.ContextStyle,
};

/** One `associated_endpoints` entry (experimental). */
export interface AssociatedEndpoint {
  url: string;
  capabilities: string[];
}

/**
 * A validated `.well-known/smart-configuration` document. Every endpoint URL is absolute (relative
 * ones were resolved against the FHIR base, DISC-05). Fields the server omitted are undefined,
 * except the three arrays, which default to `[]` (and produce a warning).
 */
export interface SmartConfiguration {
  /** The FHIR base this configuration was discovered from. */
  fhirBaseUrl: string;
  /** Where it came from: the well-known document or the CapabilityStatement fallback. */
  source: 'well-known' | 'capability-statement';
  issuer?: string;
  jwks_uri?: string;
  /** Required when `launch-ehr` or `launch-standalone` is advertised. */
  authorization_endpoint?: string;
  token_endpoint: string;
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  grant_types_supported: string[];
  registration_endpoint?: string;
  /** RECOMMENDED; not exhaustive (DISC-13). */
  scopes_supported?: string[];
  response_types_supported?: string[];
  management_endpoint?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  capabilities: string[];
  code_challenge_methods_supported: string[];
  user_access_brand_bundle?: string;
  user_access_brand_identifier?: string;
  associated_endpoints?: AssociatedEndpoint[];
  /** Deprecated in 2.2. */
  smart_app_state_endpoint?: string;
  /**
   * Deviations from SMART App Launch 2.2 that did not stop the client from working (missing
   * `grant_types_supported`, `plain` PKCE advertised, unknown capability names, …).
   */
  warnings: string[];
  /**
   * The document exactly as served (for the CapabilityStatement fallback: the members read from
   * its oauth-uris extension).
   */
  raw: Readonly<JsonObject>;
}

export interface ProcessDiscoveryOptions {
  /**
   * Treat every SMART 2.2 deviation as an error instead of a warning (conformance checks).
   * Default false: only what makes the client unusable is an error.
   */
  strict?: boolean;
}

const URL_FIELDS = [
  'jwks_uri',
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'management_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'user_access_brand_bundle',
  'smart_app_state_endpoint',
] as const;

const OPTIONAL_STRING_ARRAYS = [
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'scopes_supported',
  'response_types_supported',
] as const;

/**
 * Parses and validates a FHIR base URL (absolute http/https, no fragment); returns it without
 * trailing slashes.
 * @throws {DiscoveryError} `invalid_fhir_base`
 */
export function normalizeFhirBaseUrl(fhirBaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(fhirBaseUrl);
  } catch (cause) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidFhirBase,
      `FHIR base URL is not an absolute URL: ${fhirBaseUrl}`,
      { cause },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidFhirBase,
      `FHIR base URL must use http(s): ${fhirBaseUrl}`,
    );
  }
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

/**
 * Resolves a possibly relative endpoint URL against the FHIR base, treating the base as a
 * directory (`auth/token` under `https://ehr/fhir` → `https://ehr/fhir/auth/token`).
 * See: SMART App Launch 2.2 §conformance (DISC-05).
 */
export function resolveAgainstBase(value: string, fhirBaseUrl: string): string {
  return new URL(value, `${normalizeFhirBaseUrl(fhirBaseUrl)}/`).href;
}

/**
 * Builds `GET {fhirBase}/.well-known/smart-configuration` with `Accept: application/json`. The
 * suffix is appended even when the base has a path (DISC-02).
 * See: SMART App Launch 2.2 §conformance "Using .well-known".
 * @throws {DiscoveryError} `invalid_fhir_base` when the base is not an absolute http(s) URL.
 */
export function buildDiscoveryRequest(fhirBaseUrl: string): Request {
  const base = normalizeFhirBaseUrl(fhirBaseUrl);
  return new Request(`${base}/.well-known/smart-configuration`, {
    method: 'GET',
    headers: { Accept: 'application/json' },
  });
}

/**
 * Validates a `.well-known/smart-configuration` response (DISC-03..08) and resolves relative
 * endpoint URLs against the FHIR base.
 * See: SMART App Launch 2.2 §conformance "Metadata".
 * @throws {DiscoveryError} `http_error` (non-2xx), `invalid_json`, `missing_field`,
 *   `invalid_field` (wrong type / unparsable URL), `not_conformant` (strict mode only).
 */
export async function processDiscoveryResponse(
  fhirBaseUrl: string,
  response: Response,
  options: ProcessDiscoveryOptions = {},
): Promise<SmartConfiguration> {
  const base = normalizeFhirBaseUrl(fhirBaseUrl);
  if (!response.ok) {
    throw new DiscoveryError(
      DiscoveryErrorCode.HttpError,
      `SMART configuration request failed with HTTP ${response.status}`,
      { upstreamStatus: response.status },
    );
  }
  const body = await readJson(response);
  if (!isJsonObject(body)) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidJson,
      'SMART configuration is not a JSON object',
      { upstreamStatus: response.status },
    );
  }
  return validateSmartConfiguration(base, body, 'well-known', options);
}

/**
 * Validates a SMART configuration document already parsed from JSON.
 * @internal exported for the CapabilityStatement fallback and vendor adapters.
 */
export function validateSmartConfiguration(
  fhirBaseUrl: string,
  body: JsonObject,
  source: SmartConfiguration['source'],
  options: ProcessDiscoveryOptions = {},
): SmartConfiguration {
  const base = normalizeFhirBaseUrl(fhirBaseUrl);
  const warnings: string[] = [];
  const warn = (message: string): void => {
    if (options.strict) throw new DiscoveryError(DiscoveryErrorCode.NotConformant, message);
    warnings.push(message);
  };

  // DISC-03: capabilities is an array of strings.
  const capabilities = body['capabilities'];
  if (capabilities === undefined) {
    throw new DiscoveryError(DiscoveryErrorCode.MissingField, 'capabilities is missing');
  }
  if (!isStringArray(capabilities)) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidField,
      'capabilities must be an array of strings',
    );
  }

  const urls: Partial<Record<(typeof URL_FIELDS)[number], string>> = {};
  for (const field of URL_FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new DiscoveryError(
        DiscoveryErrorCode.InvalidField,
        `${field} must be a non-empty string`,
      );
    }
    try {
      urls[field] = resolveAgainstBase(value, base);
    } catch (cause) {
      throw new DiscoveryError(DiscoveryErrorCode.InvalidField, `${field} is not a valid URL`, {
        cause,
      });
    }
    // DISC-05: the server SHALL send absolute URLs; we resolve relative ones anyway.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(value)) warn(`${field} is relative (resolved against base)`);
  }

  // DISC-03: token_endpoint is always required.
  const tokenEndpoint = urls.token_endpoint;
  if (tokenEndpoint === undefined) {
    throw new DiscoveryError(DiscoveryErrorCode.MissingField, 'token_endpoint is missing');
  }
  // DISC-03: authorization_endpoint is required when a launch capability is advertised.
  const launches =
    capabilities.includes(SmartCapability.LaunchEhr) ||
    capabilities.includes(SmartCapability.LaunchStandalone);
  if (launches && urls.authorization_endpoint === undefined) {
    throw new DiscoveryError(
      DiscoveryErrorCode.MissingField,
      'authorization_endpoint is missing although launch-ehr/launch-standalone is advertised',
    );
  }

  const grantTypes = readStringArray(body, 'grant_types_supported');
  if (grantTypes === undefined) warn('grant_types_supported is missing');
  const challengeMethods = readStringArray(body, 'code_challenge_methods_supported');
  if (challengeMethods === undefined) {
    // DISC-13: Athena omitted the field while supporting S256; we always send S256 anyway.
    warn('code_challenge_methods_supported is missing');
  } else {
    if (!challengeMethods.includes('S256')) warn('code_challenge_methods_supported lacks S256');
    // PKCE-02: servers SHALL NOT support plain.
    if (challengeMethods.includes('plain')) warn('code_challenge_methods_supported offers plain');
  }

  const optionalArrays: Partial<Record<(typeof OPTIONAL_STRING_ARRAYS)[number], string[]>> = {};
  for (const field of OPTIONAL_STRING_ARRAYS) {
    const value = readStringArray(body, field);
    if (value !== undefined) optionalArrays[field] = value;
  }

  // DISC-04: issuer and jwks_uri accompany sso-openid-connect.
  const issuer = body['issuer'];
  if (issuer !== undefined && typeof issuer !== 'string') {
    throw new DiscoveryError(DiscoveryErrorCode.InvalidField, 'issuer must be a string');
  }
  if (capabilities.includes(SmartCapability.SsoOpenidConnect)) {
    if (issuer === undefined) warn('issuer is missing although sso-openid-connect is advertised');
    if (urls.jwks_uri === undefined) {
      warn('jwks_uri is missing although sso-openid-connect is advertised');
    }
  }

  // DISC-07: asymmetric client auth needs private_key_jwt and RS384/ES384.
  if (capabilities.includes(SmartCapability.ClientConfidentialAsymmetric)) {
    if (!optionalArrays.token_endpoint_auth_methods_supported?.includes('private_key_jwt')) {
      warn('token_endpoint_auth_methods_supported lacks private_key_jwt');
    }
    const algs = optionalArrays.token_endpoint_auth_signing_alg_values_supported ?? [];
    if (!algs.includes('RS384') && !algs.includes('ES384')) {
      warn('token_endpoint_auth_signing_alg_values_supported lacks RS384 and ES384');
    }
  }

  // DISC-08: simple capability names must come from the vocabulary; extensions are full URIs.
  for (const capability of capabilities) {
    if (!KNOWN_CAPABILITIES.has(capability) && !/^[a-z][a-z0-9+.-]*:/i.test(capability)) {
      warn(`unknown capability "${capability}"`);
    }
  }

  const config: SmartConfiguration = {
    fhirBaseUrl: base,
    source,
    ...urls,
    token_endpoint: tokenEndpoint,
    ...optionalArrays,
    grant_types_supported: grantTypes ?? [],
    capabilities,
    code_challenge_methods_supported: challengeMethods ?? [],
    warnings,
    raw: body,
  };
  if (typeof issuer === 'string') config.issuer = issuer;
  const brandId = body['user_access_brand_identifier'];
  if (typeof brandId === 'string') config.user_access_brand_identifier = brandId;
  const associated = readAssociatedEndpoints(body, base);
  if (associated !== undefined) config.associated_endpoints = associated;
  return config;
}

/**
 * True when the configuration advertises `capability`, accepting the STU1 spellings
 * `context-passthrough-banner` / `-style` for `context-banner` / `-style` (DISC-08).
 */
export function hasCapability(
  config: Pick<SmartConfiguration, 'capabilities'>,
  capability: SmartCapability | (string & {}),
): boolean {
  return config.capabilities.some(
    (advertised) => advertised === capability || CAPABILITY_ALIASES[advertised] === capability,
  );
}

function readStringArray(body: JsonObject, field: string): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isStringArray(value)) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidField,
      `${field} must be an array of strings`,
    );
  }
  return value;
}

function readAssociatedEndpoints(body: JsonObject, base: string): AssociatedEndpoint[] | undefined {
  const value = body['associated_endpoints'];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    !value.every(
      (entry) =>
        isJsonObject(entry) &&
        typeof entry['url'] === 'string' &&
        isStringArray(entry['capabilities']),
    )
  ) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidField,
      'associated_endpoints must be an array of {url, capabilities[]}',
    );
  }
  return (value as { url: string; capabilities: string[] }[]).map((entry) => ({
    url: resolveAgainstBase(entry.url, base),
    capabilities: entry.capabilities,
  }));
}
