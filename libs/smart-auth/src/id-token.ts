import { errors as joseErrors, jwtVerify } from 'jose';

import { IdTokenError, IdTokenErrorCode } from './errors.js';
import { epochSeconds } from './internal/http.js';
import { timingSafeEqual } from './internal/encoding.js';

import type { JWTPayload, JWTVerifyGetKey } from 'jose';

/** Claims of a verified id_token. */
export interface IdTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  azp?: string;
  /** SMART `fhirUser` (OIDC-04): absolute or base-relative URL of the user's FHIR resource. */
  fhirUser?: string;
  /** Legacy SMART v1 spelling of `fhirUser` (OIDC-07). */
  profile?: string;
}

export interface VerifyIdTokenOptions {
  /** Expected `iss`, exactly (the OIDC issuer from discovery; OIDC-03). */
  issuer: string;
  /** Expected audience: the client's `client_id`. */
  clientId: string;
  /** The nonce sent in the authorization request; when set the token must carry it. */
  nonce?: string;
  /** Key resolver: jose `createRemoteJWKSet(jwks_uri)` or `createLocalJWKSet(jwks)`. */
  jwks: JWTVerifyGetKey;
  /** Accepted `alg` values; default `['RS256']` (OIDC-02). */
  algorithms?: string[];
  /** Clock in milliseconds; default `Date.now`. */
  now?: () => number;
  /** Leeway for `exp`/`iat`/`nbf`, in seconds; default 60 (Inferno's leeway). */
  clockToleranceSeconds?: number;
}

/**
 * Verifies an id_token per OIDC Core §3.1.3.7: signature with a key from `jwks` and an allowed
 * `alg` (RS256 by default), `iss` exact, `aud` equal to or containing `client_id` (and `azp`, when
 * present, equal to it), `exp` in the future and `iat` not in the future (with tolerance), `sub`
 * present, and `nonce` equal to the one sent.
 * See: SMART App Launch 2.2 §scopes-and-launch-context "Steps for using an ID token" (OIDC-05).
 * @throws {IdTokenError} with `code` `malformed`, `bad_signature`, `no_matching_key`,
 *   `alg_not_allowed`, `wrong_issuer`, `wrong_audience`, `wrong_authorized_party`, `expired`,
 *   `issued_in_future`, `not_yet_valid`, `nonce_mismatch`, `missing_claim`, `invalid_claim`,
 *   `jwks_unavailable`.
 */
export async function verifyIdToken(
  idToken: string,
  options: VerifyIdTokenOptions,
): Promise<IdTokenClaims> {
  const now = (options.now ?? Date.now)();
  const tolerance = options.clockToleranceSeconds ?? 60;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, options.jwks, {
      algorithms: options.algorithms ?? ['RS256'],
      issuer: options.issuer,
      audience: options.clientId,
      currentDate: new Date(now),
      clockTolerance: tolerance,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
  } catch (cause) {
    throw mapJoseError(cause);
  }
  if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 255) {
    throw new IdTokenError(IdTokenErrorCode.InvalidClaim, 'sub must be 1-255 characters');
  }
  // jose only checks that iat is a number; OIDC Core §3.1.3.7 rule 10 rejects future iat.
  if ((payload.iat as number) > epochSeconds(now) + tolerance) {
    throw new IdTokenError(IdTokenErrorCode.IssuedInFuture, 'id_token iat is in the future');
  }
  // OIDC Core §3.1.3.7 rules 4-5: azp, when present, must be this client.
  if (payload['azp'] !== undefined && payload['azp'] !== options.clientId) {
    throw new IdTokenError(
      IdTokenErrorCode.WrongAuthorizedParty,
      'id_token azp is not this client',
    );
  }
  if (options.nonce !== undefined) {
    const nonce = payload['nonce'];
    if (typeof nonce !== 'string' || !timingSafeEqual(nonce, options.nonce)) {
      throw new IdTokenError(IdTokenErrorCode.NonceMismatch, 'id_token nonce does not match');
    }
  }
  for (const claim of ['fhirUser', 'profile', 'nonce'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') {
      throw new IdTokenError(IdTokenErrorCode.InvalidClaim, `${claim} must be a string`);
    }
  }
  return payload as IdTokenClaims;
}

function mapJoseError(cause: unknown): IdTokenError {
  const make = (code: IdTokenErrorCode, message: string) =>
    new IdTokenError(code, message, { cause });
  if (cause instanceof joseErrors.JWTExpired) {
    return make(IdTokenErrorCode.Expired, 'id_token has expired');
  }
  if (cause instanceof joseErrors.JWTClaimValidationFailed) {
    if (cause.reason === 'missing') {
      return make(IdTokenErrorCode.MissingClaim, `id_token lacks the ${cause.claim} claim`);
    }
    switch (cause.claim) {
      case 'iss':
        return make(IdTokenErrorCode.WrongIssuer, 'id_token iss does not match the issuer');
      case 'aud':
        return make(IdTokenErrorCode.WrongAudience, 'id_token aud does not include this client');
      case 'nbf':
        return make(IdTokenErrorCode.NotYetValid, 'id_token is not yet valid');
      default:
        return make(IdTokenErrorCode.InvalidClaim, `id_token ${cause.claim} is invalid`);
    }
  }
  if (cause instanceof joseErrors.JWSSignatureVerificationFailed) {
    return make(IdTokenErrorCode.BadSignature, 'id_token signature is invalid');
  }
  if (cause instanceof joseErrors.JOSEAlgNotAllowed) {
    return make(IdTokenErrorCode.AlgNotAllowed, 'id_token alg is not allowed');
  }
  if (
    cause instanceof joseErrors.JWKSNoMatchingKey ||
    cause instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return make(IdTokenErrorCode.NoMatchingKey, 'no single key in the JWKS matches the id_token');
  }
  if (
    cause instanceof joseErrors.JWSInvalid ||
    cause instanceof joseErrors.JWTInvalid ||
    cause instanceof joseErrors.JOSENotSupported
  ) {
    return make(IdTokenErrorCode.Malformed, 'id_token is not a valid signed JWT');
  }
  return make(IdTokenErrorCode.KeySetUnavailable, 'the id_token signing keys could not be loaded');
}

/** Resource types `fhirUser` may point to (OIDC-04). */
export const FHIR_USER_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'RelatedPerson',
  'Person',
] as const;
export type FhirUserType = (typeof FHIR_USER_TYPES)[number];

export interface ResolvedFhirUser {
  /** Absolute URL of the user's resource. */
  url: string;
  resourceType: FhirUserType;
  id: string;
  /**
   * True when the URL lies under `fhirBaseUrl`; do not send the access token elsewhere
   * (STATE-08).
   */
  sameServer: boolean;
}

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Resolves a `fhirUser` claim: relative (`Practitioner/123`) against the FHIR base, absolute as
 * is (Epic returns absolute URLs, OIDC-06); a trailing `/_history/n` is dropped. The type must be
 * Patient, Practitioner, PractitionerRole, RelatedPerson or Person.
 * See: SMART App Launch 2.2 §scopes-and-launch-context "fhirUser" (OIDC-04, OIDC-06).
 * @throws {IdTokenError} `invalid_fhir_user`.
 */
export function resolveFhirUser(fhirUser: string, fhirBaseUrl: string): ResolvedFhirUser {
  const invalid = (why: string): never => {
    throw new IdTokenError(IdTokenErrorCode.InvalidFhirUser, `fhirUser ${why}: ${fhirUser}`);
  };
  const base = fhirBaseUrl.replace(/\/+$/, '');
  let origin = '';
  let segments: string[];
  if (/^[a-z][a-z0-9+.-]*:/i.test(fhirUser)) {
    let url: URL;
    try {
      url = new URL(fhirUser);
    } catch {
      return invalid('is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') invalid('is not an http(s) URL');
    origin = url.origin;
    segments = url.pathname.split('/').filter(Boolean);
  } else {
    // Relative to the FHIR base (OIDC-06).
    segments = (fhirUser.split(/[?#]/)[0] ?? '').split('/').filter(Boolean);
  }
  const historyAt = segments.lastIndexOf('_history');
  if (historyAt !== -1) {
    if (historyAt !== segments.length - 2) invalid('has a malformed _history suffix');
    segments.splice(historyAt);
  }
  if (!origin && segments.length !== 2) invalid('is not a Type/id reference');
  const [resourceType, id] = segments.slice(-2);
  if (!resourceType || !id || !ID_PATTERN.test(id)) invalid('is not a Type/id reference');
  if (!(FHIR_USER_TYPES as readonly string[]).includes(resourceType as string)) {
    invalid('is not a Patient, Practitioner, PractitionerRole, RelatedPerson or Person');
  }
  const resolved = origin ? `${origin}/${segments.join('/')}` : `${base}/${segments.join('/')}`;
  return {
    url: resolved,
    resourceType: resourceType as FhirUserType,
    id: id as string,
    sameServer: resolved.startsWith(`${base}/`),
  };
}

/** The user's FHIR reference from id_token claims: `fhirUser`, else the legacy `profile`. */
export function fhirUserClaim(claims: Pick<IdTokenClaims, 'fhirUser' | 'profile'>) {
  return claims.fhirUser ?? claims.profile;
}
