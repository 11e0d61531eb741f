/**
 * Every error this library throws extends {@link SmartAuthError}: it carries a stable `code`, the
 * HTTP `status` a server should answer with when it surfaces the error, and `exposable` (whether
 * the message may be shown to an end user). OAuth protocol errors (RFC 6749 §4.1.2.1, §5.2) are
 * {@link OAuthError}s whose `error` is the RFC code; the rest describe failures detected by this
 * client (bad discovery document, malformed token response, invalid id_token, state mismatch).
 */
export class SmartAuthError extends Error {
  /** Stable machine-readable code (for OAuth errors the same as `error`). */
  readonly code: string;
  /** HTTP status that best describes the failure. */
  readonly status: number;
  /** True when the message may be shown to the user (it contains no internals). */
  readonly exposable: boolean;

  constructor(
    code: string,
    message: string,
    options: { status: number; exposable: boolean; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status;
    this.exposable = options.exposable;
  }
}

export interface OAuthErrorOptions {
  /** `error_description` from the server. */
  description?: string;
  /** `error_uri` from the server. */
  uri?: string;
  /** HTTP status of the response that carried the error; defaults to the code's usual status. */
  status?: number;
  /** Overrides the class default. */
  exposable?: boolean;
  cause?: unknown;
}

/**
 * An OAuth 2.0 error response (RFC 6749 §4.1.2.1 authorization errors, §5.2 token errors).
 * `status` is the HTTP status of the token response, or the code's usual status when the error
 * arrived on a redirect (which has no status of its own).
 */
export class OAuthError extends SmartAuthError {
  /** The RFC 6749 `error` code, e.g. `invalid_grant`. */
  readonly error: string;
  /** `error_description` as sent by the server (may be undefined). */
  readonly errorDescription: string | undefined;
  /** `error_uri` as sent by the server (may be undefined). */
  readonly errorUri: string | undefined;

  constructor(error: string, options: OAuthErrorOptions = {}) {
    const defaults = OAUTH_ERROR_DEFAULTS[error] ?? { status: 400, exposable: false };
    super(error, options.description ? `${error}: ${options.description}` : error, {
      status: options.status ?? defaults.status,
      exposable: options.exposable ?? defaults.exposable,
      cause: options.cause,
    });
    this.error = error;
    this.errorDescription = options.description;
    this.errorUri = options.uri;
  }
}

/** Default HTTP status and exposability per RFC 6749 error code. */
const OAUTH_ERROR_DEFAULTS: Readonly<Record<string, { status: number; exposable: boolean }>> = {
  invalid_request: { status: 400, exposable: false },
  invalid_client: { status: 401, exposable: false },
  invalid_grant: { status: 400, exposable: false },
  unauthorized_client: { status: 400, exposable: false },
  unsupported_grant_type: { status: 400, exposable: false },
  unsupported_response_type: { status: 400, exposable: false },
  invalid_scope: { status: 400, exposable: true },
  access_denied: { status: 403, exposable: true },
  server_error: { status: 500, exposable: false },
  temporarily_unavailable: { status: 503, exposable: true },
};

type OAuthSubclassOptions = OAuthErrorOptions;

/** `invalid_request`: missing or malformed parameter. */
export class InvalidRequestError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('invalid_request', options);
  }
}
/** `invalid_client`: client authentication failed. */
export class InvalidClientError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('invalid_client', options);
  }
}
/** `invalid_grant`: code or refresh token invalid, expired, revoked or not bound to this client. */
export class InvalidGrantError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('invalid_grant', options);
  }
}
/** `unauthorized_client`: the client may not use this grant (or is not activated at the EHR). */
export class UnauthorizedClientError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('unauthorized_client', options);
  }
}
/** `unsupported_grant_type`. */
export class UnsupportedGrantTypeError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('unsupported_grant_type', options);
  }
}
/** `unsupported_response_type` (authorization endpoint only). */
export class UnsupportedResponseTypeError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('unsupported_response_type', options);
  }
}
/** `invalid_scope`: requested scope is invalid, unknown or exceeds the grant. */
export class InvalidScopeError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('invalid_scope', options);
  }
}
/** `access_denied`: the user or the server refused the request. */
export class AccessDeniedError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('access_denied', options);
  }
}
/** `server_error`. */
export class ServerError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('server_error', options);
  }
}
/** `temporarily_unavailable`. */
export class TemporarilyUnavailableError extends OAuthError {
  constructor(options: OAuthSubclassOptions = {}) {
    super('temporarily_unavailable', options);
  }
}

const OAUTH_ERROR_CLASSES: Readonly<
  Record<string, new (options?: OAuthSubclassOptions) => OAuthError>
> = {
  invalid_request: InvalidRequestError,
  invalid_client: InvalidClientError,
  invalid_grant: InvalidGrantError,
  unauthorized_client: UnauthorizedClientError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  unsupported_response_type: UnsupportedResponseTypeError,
  invalid_scope: InvalidScopeError,
  access_denied: AccessDeniedError,
  server_error: ServerError,
  temporarily_unavailable: TemporarilyUnavailableError,
};

/**
 * Maps an RFC 6749 `error` code to its typed class; unknown codes (e.g. OIDC `login_required`)
 * become a plain {@link OAuthError} carrying that code.
 */
export function oauthErrorFrom(
  error: string,
  description?: string,
  status?: number,
  extra: { uri?: string; cause?: unknown } = {},
): OAuthError {
  const options: OAuthErrorOptions = { ...extra };
  if (description !== undefined) options.description = description;
  if (status !== undefined) options.status = status;
  const Class = Object.hasOwn(OAUTH_ERROR_CLASSES, error) ? OAUTH_ERROR_CLASSES[error] : undefined;
  return Class ? new Class(options) : new OAuthError(error, options);
}

export const DiscoveryErrorCode = {
  InvalidFhirBase: 'invalid_fhir_base',
  HttpError: 'http_error',
  InvalidJson: 'invalid_json',
  MissingField: 'missing_field',
  InvalidField: 'invalid_field',
  NotConformant: 'not_conformant',
  NetworkError: 'network_error',
} as const;
export type DiscoveryErrorCode = (typeof DiscoveryErrorCode)[keyof typeof DiscoveryErrorCode];

/** The server's SMART configuration could not be fetched or is unusable. Status 502. */
export class DiscoveryError extends SmartAuthError {
  /** HTTP status returned by the EHR, when the failure was an HTTP error. */
  readonly upstreamStatus: number | undefined;

  constructor(
    code: DiscoveryErrorCode,
    message: string,
    options: { upstreamStatus?: number; cause?: unknown } = {},
  ) {
    super(code, message, { status: 502, exposable: false, cause: options.cause });
    this.upstreamStatus = options.upstreamStatus;
  }
}

/**
 * A token endpoint answered with something that is not a valid RFC 6749 §5.1 response (bad JSON,
 * wrong field types, non-Bearer token type, HTTP error without an OAuth error body). Status 502.
 */
export class TokenResponseError extends SmartAuthError {
  /** HTTP status returned by the token endpoint. */
  readonly upstreamStatus: number;

  constructor(message: string, upstreamStatus: number, options: { cause?: unknown } = {}) {
    super('invalid_token_response', message, { status: 502, exposable: false, ...options });
    this.upstreamStatus = upstreamStatus;
  }
}

export const IdTokenErrorCode = {
  Malformed: 'malformed',
  BadSignature: 'bad_signature',
  NoMatchingKey: 'no_matching_key',
  AlgNotAllowed: 'alg_not_allowed',
  WrongIssuer: 'wrong_issuer',
  WrongAudience: 'wrong_audience',
  WrongAuthorizedParty: 'wrong_authorized_party',
  Expired: 'expired',
  IssuedInFuture: 'issued_in_future',
  NotYetValid: 'not_yet_valid',
  NonceMismatch: 'nonce_mismatch',
  MissingClaim: 'missing_claim',
  InvalidClaim: 'invalid_claim',
  InvalidFhirUser: 'invalid_fhir_user',
  KeySetUnavailable: 'jwks_unavailable',
} as const;
export type IdTokenErrorCode = (typeof IdTokenErrorCode)[keyof typeof IdTokenErrorCode];

/** The id_token failed OIDC Core §3.1.3.7 validation. Status 401 (sign-in failed). */
export class IdTokenError extends SmartAuthError {
  declare readonly code: IdTokenErrorCode;

  constructor(code: IdTokenErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { status: 401, exposable: false, ...options });
  }
}

/**
 * The redirect's `state` is missing or differs from the one issued for this session (possible
 * CSRF or a replayed/stale callback). Status 400; the message is safe to show.
 */
export class StateMismatchError extends SmartAuthError {
  constructor(message = 'The sign-in response does not match a pending sign-in; please relaunch.') {
    super('state_mismatch', message, { status: 400, exposable: true });
  }
}

/**
 * The session's tokens cannot be renewed without the user (no refresh token, refresh rejected
 * with `invalid_grant`, or tokens gone). The caller should start a new authorization. Status 401.
 */
export class ReauthorizationRequiredError extends SmartAuthError {
  /** Why reauthorization is needed. */
  readonly reason: 'no_token' | 'no_refresh_token' | 'refresh_rejected' | 'unauthorized';

  constructor(
    reason: ReauthorizationRequiredError['reason'],
    message = 'Your session with the EHR has ended; please sign in again.',
    options: { cause?: unknown } = {},
  ) {
    super('reauthorization_required', message, { status: 401, exposable: true, ...options });
    this.reason = reason;
  }
}
