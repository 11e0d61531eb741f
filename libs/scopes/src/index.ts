export {
  ScopeContext,
  ScopeDialect,
  V1Permission,
  PermissionLetter,
  FhirInteraction,
} from './types.js';
export type {
  Scope,
  ScopeKind,
  ClinicalScope,
  LaunchScope,
  OpenIdScope,
  FhirUserScope,
  ProfileScope,
  OfflineAccessScope,
  OnlineAccessScope,
  ExtensionScope,
  UnknownScope,
  Permissions,
  ScopeFilter,
} from './types.js';
export {
  ScopeSyntaxError,
  ScopeSyntaxCode,
  SCOPE_SYNTAX_RULES,
  MAX_SCOPE_LENGTH,
  MAX_SCOPES_LENGTH,
} from './errors.js';
export {
  PermissionBit,
  ALL_PERMISSIONS,
  READ_PERMISSIONS,
  WRITE_PERMISSIONS,
  INTERACTION_PERMISSION,
  DEFAULT_OPERATION_PERMISSIONS,
  permissionMask,
  permissionsFromMask,
  permissionLetters,
  permissionsFromLetters,
} from './permissions.js';
export { parseScope, parseScopes, parseScopesLenient } from './parse.js';
export type { RejectedScope } from './parse.js';
export { serializeScope, serializeScopes, toScopeUri, parseScopeUri } from './serialize.js';
export { createClinicalScope } from './clinical.js';
export { describeScope } from './describe.js';
export type { ClinicalScopeInit } from './clinical.js';
export { toV1, toV2, translateScopes } from './translate.js';
export type { Translation, ScopesTranslation } from './translate.js';
export { TOKEN_PARAMETERS, EVALUABLE_PARAMETERS } from './filters.js';
export { compileGrant, decide, DenialCode } from './decide.js';
export type { Grant, FhirAccessRequest, AccessDecision, CompileGrantOptions } from './decide.js';
export {
  compareScopes,
  unionScopes,
  intersectScopes,
  isSubset,
  normalizeScopes,
  minimalScopes,
  UnmappedOperationError,
} from './set-operations.js';
export type {
  ScopeComparison,
  NormalizeOptions,
  IntendedOperation,
  MinimalScopesOptions,
} from './set-operations.js';
