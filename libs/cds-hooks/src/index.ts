export type {
  CdsAction,
  CdsCard,
  CdsDiscoveryDocument,
  CdsExtension,
  CdsFeedback,
  CdsFeedbackRequest,
  CdsLink,
  CdsOverrideReason,
  CdsResponse,
  CdsServiceDefinition,
  CdsServiceRequest,
  CdsSource,
  CdsSuggestion,
  CdsSystemAction,
  Coding,
  FhirAuthorization,
  FhirBundle,
  FhirBundleEntry,
  FhirResource,
  PrefetchValue,
} from './types.js';
export {
  ActionType,
  CardIndicator,
  FeedbackOutcome,
  LinkType,
  SelectionBehavior,
} from './types.js';

export type {
  AppointmentBookContext,
  CdsHookContextMap,
  CdsHookDefinition,
  CdsHookFieldDefinition,
  CdsHookFieldKind,
  CdsHookId,
  EncounterDischargeContext,
  EncounterStartContext,
  MedicationPrescribeContext,
  OrderDispatchContext,
  OrderReviewContext,
  OrderSelectContext,
  OrderSignContext,
  PatientViewContext,
} from './hooks.js';
export { CDS_HOOKS, getHookDefinition } from './hooks.js';

export type { ValidationIssue, ValidationResult } from './issues.js';
export { CdsValidationError, formatIssues, unwrapValidation } from './issues.js';

export type { ValidateCdsServiceRequestOptions } from './request.js';
export { validateCdsServiceRequest } from './request.js';
export type { ValidateCdsResponseOptions } from './response.js';
export {
  MAX_SUMMARY_LENGTH,
  summaryLength,
  validateCard,
  validateCdsResponse,
  validateSuggestion,
} from './response.js';
export { validateDiscoveryDocument, validateServiceDefinition } from './discovery.js';
export { validateFeedback } from './feedback.js';

export type {
  PrefetchTemplateLint,
  PrefetchTokenContext,
  ResolvedPrefetch,
} from './prefetch-template.js';
export {
  PrefetchUserToken,
  deriveUserTokens,
  lintPrefetchTemplate,
  resolvePrefetch,
  resolvePrefetchTemplate,
} from './prefetch-template.js';

export type {
  FetchLike,
  FetchMissingPrefetchOptions,
  FetchMissingPrefetchResult,
  PrefetchFetchError,
} from './fetch-prefetch.js';
export { PrefetchFetchErrorCode, fetchMissingPrefetch } from './fetch-prefetch.js';

export type {
  CdsTrustedIssuer,
  VerifiedCdsClient,
  VerifyCdsClientJwtOptions,
} from './client-jwt.js';
export {
  CdsJwtAlgorithm,
  DEFAULT_CDS_JWT_ALGORITHMS,
  isJkuAllowed,
  readBearerToken,
  verifyCdsClientJwt,
} from './client-jwt.js';
export { CdsJwtError, CdsJwtErrorCode } from './jwt-errors.js';
export type { CachedJwksFetcherOptions, JwksFetcher } from './jwks-fetcher.js';
export { createCachedJwksFetcher } from './jwks-fetcher.js';
export type { MemoryReplayCache, MemoryReplayCacheOptions, ReplayCache } from './replay-cache.js';
export { createMemoryReplayCache } from './replay-cache.js';
export type { SignCdsClientJwtOptions } from './sign-client-jwt.js';
export { signCdsClientJwt } from './sign-client-jwt.js';
export {
  cdsTrustedIssuerSchema,
  cdsTrustedIssuersSchema,
  parseCdsTrustedIssuers,
} from './trusted-issuers.js';

export type {
  ActionInput,
  BuilderOptions,
  CardInput,
  FeedbackInput,
  LinkInput,
  SuggestionInput,
} from './builders.js';
export {
  createAction,
  createCard,
  createCdsResponse,
  createDiscoveryDocument,
  createFeedback,
  createLink,
  createSuggestion,
  createSystemAction,
} from './builders.js';
