/** Why a CDS Client's JWT was refused (cds-hooks.md §9, JWT-2..JWT-6). */
export const CdsJwtErrorCode = {
  /** No `Authorization: Bearer <jwt>` header. */
  MissingToken: 'missing_token',
  /** Not a compact JWS with JSON header and claims. */
  Malformed: 'malformed',
  /** `none`, a symmetric algorithm, or one outside the configured list (JWT-2). */
  AlgorithmNotAllowed: 'algorithm_not_allowed',
  /** `typ` is not `JWT`, or `kid`/`jku` are missing or malformed. */
  InvalidHeader: 'invalid_header',
  /** `iss`, `aud`, `exp`, `iat` or `jti` absent. */
  MissingClaim: 'missing_claim',
  /** A claim has the wrong type. */
  InvalidClaim: 'invalid_claim',
  /** `iss` is not on the allow-list (BP step 1). */
  UntrustedIssuer: 'untrusted_issuer',
  /** `aud` does not name the URL that was called (BP step 2). */
  WrongAudience: 'wrong_audience',
  /** `exp` has passed, beyond the clock tolerance (BP step 3). */
  Expired: 'expired',
  /** `nbf` or `iat` is in the future, beyond the clock tolerance (JWT-5). */
  NotYetValid: 'not_yet_valid',
  /** `exp − iat` exceeds the maximum lifetime (JWT-5 decision: 1 h). */
  LifetimeTooLong: 'lifetime_too_long',
  /** `tenant` is not one the issuer's configuration allows (BP step 4). */
  UntrustedTenant: 'untrusted_tenant',
  /** `jku` is not allow-listed for the issuer; it was not fetched (JWT-4). */
  JkuNotAllowed: 'jku_not_allowed',
  /** The JWK Set could not be obtained. */
  JwksUnavailable: 'jwks_unavailable',
  /** No key with the token's `kid` (and a matching type), even after one refresh (JWT-4). */
  UnknownKid: 'unknown_kid',
  /** The signature does not verify (BP step 5). */
  BadSignature: 'bad_signature',
  /** The `jti` was seen before (BP step 6). */
  ReplayedJti: 'replayed_jti',
} as const;
export type CdsJwtErrorCode = (typeof CdsJwtErrorCode)[keyof typeof CdsJwtErrorCode];

/**
 * A refused CDS Client JWT. Always `401`, and never `exposable`: the response body must not say
 * why (cds-hooks.md JWT-3, BP); log `code` and `message` server-side instead. Messages never
 * contain the token.
 */
export class CdsJwtError extends Error {
  readonly code: CdsJwtErrorCode;
  readonly status = 401;
  readonly exposable = false;

  constructor(code: CdsJwtErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CdsJwtError';
    this.code = code;
  }
}
