import { TokenResponseError, oauthErrorFrom } from './errors.js';
import { isJsonObject, readJson } from './internal/http.js';

import type { JsonObject } from './internal/http.js';

/**
 * One `fhirContext` entry (SMART 2.1+): at least one of `reference` (relative `Type/id`),
 * `canonical` or `identifier` (LAUNCH-07). STU2.0 servers sent bare reference strings; those are
 * normalised to `{ reference }`.
 */
export interface FhirContextItem {
  reference?: string;
  canonical?: string;
  identifier?: Readonly<Record<string, unknown>>;
  type?: string;
  role?: string;
}

/**
 * A validated token response (RFC 6749 §5.1 + SMART launch context). Field names are the wire
 * names. The access token is opaque: nothing here assumes it is a JWT (TOKEN-08).
 */
export interface TokenResponse {
  access_token: string;
  /** Always `Bearer` (the server's spelling is compared case-insensitively, TOKEN-03). */
  token_type: 'Bearer';
  /** Lifetime in seconds, when the server sent one. */
  expires_in?: number;
  /** Granted scopes (may differ from the request, SCOPE-04). Undefined when the server omitted it. */
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
  need_patient_banner?: boolean;
  smart_style_url?: string;
  fhirContext?: FhirContextItem[];
  intent?: string;
  tenant?: string;
  /** Members not listed above (vendor extras such as Epic's `__epic.dstu2.patient`). */
  extra: Readonly<Record<string, unknown>>;
  /** The body exactly as received. */
  raw: Readonly<JsonObject>;
}

const KNOWN_FIELDS = new Set([
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
  'id_token',
  'patient',
  'encounter',
  'need_patient_banner',
  'smart_style_url',
  'fhirContext',
  'intent',
  'tenant',
]);

const OPTIONAL_STRINGS = [
  'scope',
  'refresh_token',
  'id_token',
  'patient',
  'encounter',
  'smart_style_url',
  'intent',
  'tenant',
] as const;

/**
 * Validates a token endpoint response.
 * - Non-2xx with an OAuth error body (or `WWW-Authenticate` error) → the typed `OAuthError`
 *   (`InvalidGrantError`, `InvalidClientError`, …) carrying the HTTP status.
 * - Non-2xx without one, or a malformed 2xx body → {@link TokenResponseError}.
 * - 2xx: `access_token` non-empty string, `token_type` bearer (any case), `expires_in` a
 *   non-negative number when present, typed context parameters; every other member kept in
 *   `extra`.
 * See: SMART App Launch 2.2 §app-launch "Response" (TOKEN-03, TOKEN-08); RFC 6749 §5.1, §5.2.
 * @throws {OAuthError | TokenResponseError}
 */
export async function processTokenResponse(response: Response): Promise<TokenResponse> {
  const body = await readJson(response);
  if (!response.ok) {
    const error = isJsonObject(body) ? body['error'] : undefined;
    if (typeof error === 'string' && error !== '') {
      throw oauthErrorFromBody(body as JsonObject, response.status);
    }
    const challenge = parseBearerChallenge(response.headers.get('WWW-Authenticate'));
    if (challenge.error) {
      throw oauthErrorFrom(challenge.error, challenge.error_description, response.status);
    }
    throw new TokenResponseError(
      `token endpoint answered HTTP ${response.status} without an OAuth error`,
      response.status,
    );
  }
  if (!isJsonObject(body)) {
    throw new TokenResponseError('token response is not a JSON object', response.status);
  }
  // Some servers answer 200 with an error body; treat it as the error it is.
  if (typeof body['error'] === 'string' && body['access_token'] === undefined) {
    throw oauthErrorFromBody(body, undefined);
  }
  return validateTokenBody(body, response.status);
}

function oauthErrorFromBody(body: JsonObject, status: number | undefined) {
  const description = body['error_description'];
  const uri = body['error_uri'];
  return oauthErrorFrom(
    body['error'] as string,
    typeof description === 'string' ? description : undefined,
    status,
    typeof uri === 'string' ? { uri } : {},
  );
}

function validateTokenBody(body: JsonObject, status: number): TokenResponse {
  const fail = (message: string): never => {
    throw new TokenResponseError(message, status);
  };
  const accessToken = body['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    fail('access_token must be a non-empty string');
  }
  const tokenType = body['token_type'];
  if (typeof tokenType !== 'string') fail('token_type must be a string');
  // TOKEN-03: compare case-insensitively.
  if ((tokenType as string).toLowerCase() !== 'bearer') {
    fail(`token_type must be Bearer, got ${String(tokenType)}`);
  }
  const result: TokenResponse = {
    access_token: accessToken as string,
    token_type: 'Bearer',
    extra: {},
    raw: body,
  };
  const expiresIn = body['expires_in'];
  if (expiresIn !== undefined && expiresIn !== null) {
    if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) {
      fail('expires_in must be a non-negative number');
    }
    result.expires_in = expiresIn as number;
  }
  for (const field of OPTIONAL_STRINGS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') fail(`${field} must be a string`);
    result[field] = value as string;
  }
  const banner = body['need_patient_banner'];
  if (banner !== undefined && banner !== null) {
    if (typeof banner !== 'boolean') fail('need_patient_banner must be a boolean');
    result.need_patient_banner = banner as boolean;
  }
  const fhirContext = body['fhirContext'];
  if (fhirContext !== undefined && fhirContext !== null) {
    result.fhirContext = readFhirContext(fhirContext, fail);
  }
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!KNOWN_FIELDS.has(key)) extra[key] = value;
  }
  result.extra = extra;
  return result;
}

function readFhirContext(value: unknown, fail: (message: string) => never): FhirContextItem[] {
  if (!Array.isArray(value)) fail('fhirContext must be an array');
  return (value as unknown[]).map((entry) => {
    // STU2.0 servers send bare relative references.
    if (typeof entry === 'string') return { reference: entry };
    if (!isJsonObject(entry)) return fail('fhirContext entries must be objects');
    const item: FhirContextItem = {};
    for (const key of ['reference', 'canonical', 'type', 'role'] as const) {
      const member = entry[key];
      if (member === undefined) continue;
      if (typeof member !== 'string') fail(`fhirContext.${key} must be a string`);
      item[key] = member as string;
    }
    const identifier = entry['identifier'];
    if (identifier !== undefined) {
      if (!isJsonObject(identifier)) fail('fhirContext.identifier must be an object');
      item.identifier = identifier as Record<string, unknown>;
    }
    // LAUNCH-07: each entry SHALL carry reference, canonical or identifier.
    if (!item.reference && !item.canonical && !item.identifier) {
      fail('fhirContext entry needs reference, canonical or identifier');
    }
    return item;
  });
}

/**
 * Reads `error` and `error_description` from a `WWW-Authenticate: Bearer …` challenge
 * (RFC 6750 §3).
 */
export function parseBearerChallenge(header: string | null): {
  error?: string;
  error_description?: string;
} {
  if (!header) return {};
  const result: { error?: string; error_description?: string } = {};
  const pattern = /(error|error_description)="((?:[^"\\]|\\.)*)"/g;
  for (const match of header.matchAll(pattern)) {
    const key = match[1] as 'error' | 'error_description';
    result[key] = (match[2] ?? '').replace(/\\(.)/g, '$1');
  }
  return result;
}
