export {
  AccessDeniedError,
  DiscoveryError,
  DiscoveryErrorCode,
  IdTokenError,
  IdTokenErrorCode,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  ReauthorizationRequiredError,
  ServerError,
  SmartAuthError,
  StateMismatchError,
  TemporarilyUnavailableError,
  TokenResponseError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedResponseTypeError,
  oauthErrorFrom,
} from './errors.js';
export type { OAuthErrorOptions } from './errors.js';

export type { FetchLike } from './internal/http.js';
export type { RandomSource } from './internal/random.js';

export {
  SmartCapability,
  buildDiscoveryRequest,
  hasCapability,
  normalizeFhirBaseUrl,
  processDiscoveryResponse,
  resolveAgainstBase,
} from './discovery.js';
export type {
  AssociatedEndpoint,
  ProcessDiscoveryOptions,
  SmartConfiguration,
} from './discovery.js';
export {
  buildCapabilityStatementRequest,
  processCapabilityStatementResponse,
} from './capability-statement.js';
export {
  DiscoveryCache,
  discoverSmartConfiguration,
  discoverWithFreshness,
  readFreshness,
} from './discover.js';
export type { DiscoverOptions, DiscoveryCacheOptions, DiscoveryResult } from './discover.js';
export {
  buildOpenIdConfigurationRequest,
  processOpenIdConfigurationResponse,
} from './openid-configuration.js';
export type { OpenIdConfiguration } from './openid-configuration.js';

export {
  computeCodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generatePkcePair,
  generateState,
} from './pkce.js';
export type { PkcePair, RandomOptions } from './pkce.js';

export { buildAuthorizationParams, buildAuthorizationUrl } from './authorize-url.js';
export type { AuthorizationParams } from './authorize-url.js';
export {
  DEFAULT_MAX_AUTHORIZE_URL_LENGTH,
  buildAuthorizationRequest,
  renderAutoSubmitForm,
} from './authorize-request.js';
export type { AuthorizationRequest, AuthorizationRequestOptions } from './authorize-request.js';

export { parseAuthorizationCallback, readCallbackState } from './callback.js';
export type { AuthorizationCallback, ParseCallbackOptions } from './callback.js';

export {
  CLIENT_ASSERTION_TYPE,
  DEFAULT_ASSERTION_LIFETIME_SECONDS,
  createClientAssertion,
} from './client-assertion.js';
export type {
  ClientAssertionAlg,
  ClientAssertionParams,
  PrivateKeyInput,
} from './client-assertion.js';

export {
  basicAuthorization,
  buildAuthorizationCodeRequest,
  buildClientCredentialsRequest,
  buildRefreshTokenRequest,
} from './token-request.js';
export type {
  AuthorizationCodeRequestParams,
  ClientAuthentication,
  ClientCredentialsRequestParams,
  RefreshTokenRequestParams,
} from './token-request.js';

export { parseBearerChallenge, processTokenResponse } from './token-response.js';
export type { FhirContextItem, TokenResponse } from './token-response.js';

export { FHIR_USER_TYPES, fhirUserClaim, resolveFhirUser, verifyIdToken } from './id-token.js';
export type {
  FhirUserType,
  IdTokenClaims,
  ResolvedFhirUser,
  VerifyIdTokenOptions,
} from './id-token.js';

export { InMemoryTokenStore, renewalTime, tokenSetFromResponse } from './token-set.js';
export type { StoredTokens, TokenSet, TokenStore } from './token-set.js';
export { TokenLifecycle, withBearer } from './token-lifecycle.js';
export type { TokenLifecycleOptions } from './token-lifecycle.js';
export { BackendServicesClient } from './backend-services.js';
export type { BackendServicesClientOptions } from './backend-services.js';

export { KeyRing, buildJwks, generateSigningKey, signingKeyFromPublicJwk } from './keys.js';
export type { KeyRingEntry, KeyRingOptions, KeyState, SigningKey } from './keys.js';
