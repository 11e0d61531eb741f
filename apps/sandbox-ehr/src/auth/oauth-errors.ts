/**
 * Errors the sandbox's authorization server returns. Each carries its RFC 6749 code and the HTTP
 * status of a token-endpoint response; at the authorization endpoint the same codes travel in the
 * redirect (RFC 6749 §4.1.2.1), except `InvalidRedirectUriError`, which never redirects.
 */
export class OAuthServerError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = new.target.name;
  }
}

export class InvalidRequestError extends OAuthServerError {
  constructor(description: string) {
    super('invalid_request', description, 400);
  }
}

export class InvalidClientError extends OAuthServerError {
  /** RFC 6749 §5.2: 401 with a WWW-Authenticate challenge when the client tried HTTP Basic. */
  constructor(description: string, usedBasic = false) {
    super(
      'invalid_client',
      description,
      401,
      usedBasic ? { 'WWW-Authenticate': 'Basic realm="sandbox-ehr", charset="UTF-8"' } : {},
    );
  }
}

export class InvalidGrantError extends OAuthServerError {
  constructor(description: string) {
    super('invalid_grant', description, 400);
  }
}

export class UnsupportedGrantTypeError extends OAuthServerError {
  constructor(description: string) {
    super('unsupported_grant_type', description, 400);
  }
}

export class InvalidScopeError extends OAuthServerError {
  constructor(description: string) {
    super('invalid_scope', description, 400);
  }
}

export class UnsupportedResponseTypeError extends OAuthServerError {
  constructor(description: string) {
    super('unsupported_response_type', description, 400);
  }
}

/** RFC 8707 §2: the requested resource (SMART's `aud`) is invalid or unknown. */
export class InvalidTargetError extends OAuthServerError {
  constructor(description: string) {
    super('invalid_target', description, 400);
  }
}

/**
 * The client or its redirect URI could not be verified. RFC 6749 §4.1.2.1: the authorization
 * server MUST NOT redirect; it informs the user on a page instead.
 */
export class InvalidRedirectUriError extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(`${title}: ${detail}`);
    this.name = 'InvalidRedirectUriError';
  }
}

export class UnauthorizedClientError extends OAuthServerError {
  constructor(description: string) {
    super('unauthorized_client', description, 400);
  }
}

export class AccessDeniedError extends OAuthServerError {
  constructor(description: string) {
    super('access_denied', description, 400);
  }
}

/** Fault injection and rate limits: `server_error` (500) or `temporarily_unavailable` (503, 429). */
export class ServerUnavailableError extends OAuthServerError {
  constructor(status: 429 | 500 | 503, description: string, retryAfterSeconds?: number) {
    super(
      status === 500 ? 'server_error' : 'temporarily_unavailable',
      description,
      status,
      retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {},
    );
  }
}
