import { validateSmartConfiguration } from './discovery.js';
import { DiscoveryError, DiscoveryErrorCode } from './errors.js';
import { isJsonObject, readJson } from './internal/http.js';
import { normalizeFhirBaseUrl } from './discovery.js';

import type { SmartConfiguration } from './discovery.js';
import type { JsonObject } from './internal/http.js';

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';
const CAPABILITIES = 'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities';

/** oauth-uris sub-extension → smart-configuration field. */
const OAUTH_URI_FIELDS: Readonly<Record<string, string>> = {
  authorize: 'authorization_endpoint',
  token: 'token_endpoint',
  register: 'registration_endpoint',
  manage: 'management_endpoint',
  introspect: 'introspection_endpoint',
  revoke: 'revocation_endpoint',
};

/**
 * Builds `GET {fhirBase}/metadata` asking for FHIR JSON (Epic answers XML without an `Accept`,
 * Oracle Health a 406 with an empty body for non-JSON types: ehr-quirks.md §2.1, row 42).
 * See: SMART App Launch 2.2 §conformance (DISC-11, deprecated fallback).
 * @throws {DiscoveryError} `invalid_fhir_base`.
 */
export function buildCapabilityStatementRequest(fhirBaseUrl: string): Request {
  return new Request(`${normalizeFhirBaseUrl(fhirBaseUrl)}/metadata`, {
    method: 'GET',
    headers: { Accept: 'application/fhir+json, application/json;q=0.9' },
  });
}

/**
 * Reads the SMART endpoints from a CapabilityStatement's deprecated `oauth-uris` extension
 * (`rest[].security.extension`) and the optional `capabilities` extension, resolving relative
 * URLs against the FHIR base. The result always carries a warning naming the fallback.
 * See: SMART App Launch 2.2 §conformance "FHIR Authorization Endpoint and Capabilities
 * Discovery using a CapabilityStatement" (deprecated, DISC-11).
 * @throws {DiscoveryError} `http_error`, `invalid_json`, `missing_field` (no oauth-uris with a
 *   token endpoint), `invalid_field`.
 */
export async function processCapabilityStatementResponse(
  fhirBaseUrl: string,
  response: Response,
): Promise<SmartConfiguration> {
  if (!response.ok) {
    throw new DiscoveryError(
      DiscoveryErrorCode.HttpError,
      `CapabilityStatement request failed with HTTP ${response.status}`,
      { upstreamStatus: response.status },
    );
  }
  const body = await readJson(response);
  if (!isJsonObject(body) || body['resourceType'] !== 'CapabilityStatement') {
    throw new DiscoveryError(
      DiscoveryErrorCode.InvalidJson,
      'metadata is not a JSON CapabilityStatement',
      { upstreamStatus: response.status },
    );
  }
  const document: JsonObject = { capabilities: [] };
  const capabilities: string[] = [];
  let found = false;
  for (const rest of asObjects(body['rest'])) {
    if (rest['mode'] !== undefined && rest['mode'] !== 'server') continue;
    const security = isJsonObject(rest['security']) ? rest['security'] : {};
    for (const extension of asObjects(security['extension'])) {
      if (extension['url'] === OAUTH_URIS) {
        found = true;
        for (const inner of asObjects(extension['extension'])) {
          const field = OAUTH_URI_FIELDS[String(inner['url'])];
          const value = inner['valueUri'] ?? inner['valueUrl'];
          if (field && typeof value === 'string') document[field] = value;
        }
      } else if (extension['url'] === CAPABILITIES && typeof extension['valueCode'] === 'string') {
        capabilities.push(extension['valueCode']);
      }
    }
  }
  if (!found) {
    throw new DiscoveryError(
      DiscoveryErrorCode.MissingField,
      'CapabilityStatement has no SMART oauth-uris extension',
    );
  }
  document['capabilities'] = capabilities;
  const config = validateSmartConfiguration(fhirBaseUrl, document, 'capability-statement');
  config.warnings.unshift(
    'discovered from the deprecated CapabilityStatement oauth-uris extension',
  );
  return config;
}

function asObjects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}
