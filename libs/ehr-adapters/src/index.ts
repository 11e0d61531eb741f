export { FHIR_USER_RESOURCE_TYPES, VENDORS, Vendor } from './types.js';
export type {
  AuthErrorAdvice,
  BackendPolicy,
  EhrAdapter,
  FhirFailure,
  FhirUser,
  FhirUserResourceType,
  LaunchContext,
  LaunchContextInput,
  LaunchKind,
  PagingPolicy,
  PlannedSearch,
  RateLimitPolicy,
  RefreshPolicy,
  ScopeDialect,
  SearchPlanContext,
  ServerCapabilities,
  WriteInteraction,
} from './types.js';

export {
  AccessRestrictedError,
  FhirErrorCode,
  FhirRequestError,
  MissingSearchParameterError,
  PagingSessionExpiredError,
  UnsafeLinkError,
  WriteNotSupportedError,
} from './errors.js';
export type { FhirRequestErrorOptions } from './errors.js';

export {
  genericFhirError,
  outcomeCodes,
  outcomeMessage,
  parseOperationOutcome,
} from './operation-outcome.js';
export { normalizeFhirUser } from './fhir-user.js';
export {
  convertScopeDialect,
  expandWildcardScopes,
  normalizeGrantedScopeList,
} from './scope-dialect.js';
export type { DialectConversion } from './scope-dialect.js';

export { DEFAULT_RESOURCE_TYPES, GenericAdapter } from './generic/generic-adapter.js';
export type { AdapterOptions, SearchRule } from './generic/generic-adapter.js';
export { EpicAdapter, EpicOutcomeCode } from './epic/epic-adapter.js';
export { OracleAdapter } from './oracle/oracle-adapter.js';
export { AH_PRACTICE_PARAM, AthenaAdapter } from './athena/athena-adapter.js';
export { EcwAdapter } from './ecw/ecw-adapter.js';

export { adapterFor, detectVendor } from './detect.js';
export type { Detection, DetectionInput, DetectionSignal, SignalSource } from './detect.js';
export { discoverConnection, matchIssuer } from './discover.js';
export type { DiscoverConnectionOptions, DiscoveredConnection } from './discover.js';

export { RateLimiter, defaultSleep, parseRetryAfter } from './rate-limit.js';
export type { RateLimiterOptions, Sleep } from './rate-limit.js';
export { createTokenEndpointFetch, processVendorTokenResponse } from './token-endpoint.js';
export type { TokenEndpointFetchOptions } from './token-endpoint.js';
export { FhirClient } from './fhir-client.js';
export type {
  FhirClientOptions,
  SearchOptions,
  SearchResult,
  TokenFetcher,
  UpdateOptions,
} from './fhir-client.js';
