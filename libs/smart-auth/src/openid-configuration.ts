import { DiscoveryError, DiscoveryErrorCode } from './errors.js';
import { isJsonObject, isStringArray, readJson } from './internal/http.js';

import type { JsonObject } from './internal/http.js';

/** The members of an OpenID Provider configuration this client uses. */
export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  id_token_signing_alg_values_supported: string[];
  response_types_supported?: string[];
  subject_types_supported?: string[];
  raw: Readonly<JsonObject>;
}

/**
 * Builds `GET {issuer}/.well-known/openid-configuration` (OIDC Discovery §4.1: appended to the
 * issuer path).
 * See: SMART App Launch 2.2 §scopes-and-launch-context "Steps for using an ID token" (OIDC-05).
 * @throws {DiscoveryError} `invalid_fhir_base` when the issuer is not an https/http URL.
 */
export function buildOpenIdConfigurationRequest(issuer: string): Request {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch (cause) {
    throw new DiscoveryError(DiscoveryErrorCode.InvalidFhirBase, `issuer is not a URL: ${issuer}`, {
      cause,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidFhirBase,
      `issuer must be http(s): ${issuer}`,
    );
  }
  return new Request(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
    method: 'GET',
    headers: { Accept: 'application/json' },
  });
}

/**
 * Validates an OpenID configuration: `issuer` must equal the expected issuer exactly (OIDC
 * Discovery §4.3), `jwks_uri` must be an absolute URL; `id_token_signing_alg_values_supported`
 * should contain RS256 (OIDC-02; an absent list defaults to `[]`).
 * @throws {DiscoveryError} `http_error`, `invalid_json`, `missing_field`, `invalid_field`.
 */
export async function processOpenIdConfigurationResponse(
  expectedIssuer: string,
  response: Response,
): Promise<OpenIdConfiguration> {
  if (!response.ok) {
    throw new DiscoveryError(
      DiscoveryErrorCode.HttpError,
      `OpenID configuration request failed with HTTP ${response.status}`,
      { upstreamStatus: response.status },
    );
  }
  const body = await readJson(response);
  if (!isJsonObject(body)) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidJson,
      'OpenID configuration is not a JSON object',
    );
  }
  const issuer = body['issuer'];
  if (typeof issuer !== 'string') {
    throw new DiscoveryError(DiscoveryErrorCode.MissingField, 'issuer is missing');
  }
  if (issuer !== expectedIssuer) {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidField,
      `issuer ${issuer} does not match ${expectedIssuer}`,
    );
  }
  const jwksUri = body['jwks_uri'];
  if (typeof jwksUri !== 'string') {
    throw new DiscoveryError(DiscoveryErrorCode.MissingField, 'jwks_uri is missing');
  }
  try {
    new URL(jwksUri);
  } catch (cause) {
    throw new DiscoveryError(DiscoveryErrorCode.InvalidField, 'jwks_uri is not an absolute URL', {
      cause,
    });
  }
  const config: OpenIdConfiguration = {
    issuer,
    jwks_uri: jwksUri,
    id_token_signing_alg_values_supported: [],
    raw: body,
  };
  for (const field of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const) {
    const value = body[field];
    if (typeof value === 'string') config[field] = value;
  }
  for (const field of [
    'id_token_signing_alg_values_supported',
    'response_types_supported',
    'subject_types_supported',
  ] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (!isStringArray(value)) {
      throw new DiscoveryError(
        DiscoveryErrorCode.InvalidField,
        `${field} must be an array of strings`,
      );
    }
    config[field] = value;
  }
  return config;
}
