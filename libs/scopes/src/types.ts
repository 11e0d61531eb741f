/**
 * The data model of a SMART scope. Every scope string parses to exactly one {@link Scope}; the
 * union is discriminated on `kind`. See: SMART App Launch 2.2, §scopes-and-launch-context
 * (https://hl7.org/fhir/smart-app-launch/STU2.2/scopes-and-launch-context.html).
 */

/**
 * Whose data a clinical scope is about (SCOPE-01, SCOPE-08).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export const ScopeContext = {
  Patient: 'patient',
  User: 'user',
  System: 'system',
} as const;
export type ScopeContext = (typeof ScopeContext)[keyof typeof ScopeContext];

/**
 * The two clinical scope dialects: v1 `.read|.write|.*` and v2 `.cruds` (SCOPE-01, SCOPE-02).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export const ScopeDialect = { V1: 'v1', V2: 'v2' } as const;
export type ScopeDialect = (typeof ScopeDialect)[keyof typeof ScopeDialect];

/**
 * The three v1 permission words (SCOPE-02).
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export const V1Permission = { Read: 'read', Write: 'write', All: '*' } as const;
export type V1Permission = (typeof V1Permission)[keyof typeof V1Permission];

/**
 * The five v2 permission letters, in their only legal order (SCOPE-01).
 * See: SMART App Launch 2.2, §clinical-scope-syntax.
 */
export const PermissionLetter = { C: 'c', R: 'r', U: 'u', D: 'd', S: 's' } as const;
export type PermissionLetter = (typeof PermissionLetter)[keyof typeof PermissionLetter];

/** v2 permissions of a clinical scope: `c` create, `r` read, `u` update, `d` delete, `s` search. */
export interface Permissions {
  readonly c: boolean;
  readonly r: boolean;
  readonly u: boolean;
  readonly d: boolean;
  readonly s: boolean;
}

/** One `name=value` item of a granular scope's query suffix, exactly as written (SCOPE-05). */
export interface ScopeFilter {
  readonly name: string;
  readonly value: string;
}

/**
 * `patient/Observation.rs`, `user/*.read`, `system/Encounter.cud`,
 * `patient/Observation.rs?category=…|laboratory` (SCOPE-01, SCOPE-02, SCOPE-05).
 */
export interface ClinicalScope {
  readonly kind: 'clinical';
  readonly context: ScopeContext;
  /** A FHIR resource type name, or `*` for every type (now and future). */
  readonly resourceType: string;
  /** What the scope grants; for v1 scopes the v2 equivalent (`read` = `rs`, `write` = `cud`). */
  readonly permissions: Permissions;
  readonly dialect: ScopeDialect;
  /** The v1 word as written (`read`, `write`, `*`) for dialect v1; undefined for v2. */
  readonly v1Permission: V1Permission | undefined;
  /** Granular constraints, in written order; empty for a resource-level scope. */
  readonly filters: readonly ScopeFilter[];
}

/** `launch`, `launch/patient`, `launch/encounter`, `launch/<type>[?role=<uri>]` (SCOPE-07, LAUNCH-08). */
export interface LaunchScope {
  readonly kind: 'launch';
  /** Lowercase context type (`patient`, `encounter`, `imagingstudy`); undefined for bare `launch`. */
  readonly target: string | undefined;
  /** Absolute URI from `?role=`; only with a target. */
  readonly role: string | undefined;
}

/** `openid` (SCOPE-07). */
export interface OpenIdScope {
  readonly kind: 'openid';
}
/** `fhirUser` (SCOPE-07). */
export interface FhirUserScope {
  readonly kind: 'fhirUser';
}
/** `profile`, the legacy spelling of `fhirUser` (SCOPE-07). */
export interface ProfileScope {
  readonly kind: 'profile';
}
/** `offline_access` (SCOPE-07). */
export interface OfflineAccessScope {
  readonly kind: 'offline_access';
}
/** `online_access` (SCOPE-07). */
export interface OnlineAccessScope {
  readonly kind: 'online_access';
}

/** An extension scope: a full URI or a `__` prefix, kept verbatim (LAUNCH-10). */
export interface ExtensionScope {
  readonly kind: 'extension';
  readonly raw: string;
  readonly form: 'uri' | 'underscore';
}

/**
 * A well-formed scope token this library does not model (vendor scopes such as Epic's
 * `Patient.read` or athena's `athena/service/Athenanet.MDP.*`), kept verbatim and never dropped.
 */
export interface UnknownScope {
  readonly kind: 'unknown';
  readonly raw: string;
}

/** Any scope. See: SMART App Launch 2.2, §scopes-and-launch-context. */
export type Scope =
  | ClinicalScope
  | LaunchScope
  | OpenIdScope
  | FhirUserScope
  | ProfileScope
  | OfflineAccessScope
  | OnlineAccessScope
  | ExtensionScope
  | UnknownScope;

export type ScopeKind = Scope['kind'];

/**
 * FHIR REST interactions a request can perform, mapped to permission letters by SCOPE-01:
 * `r` read, vread, history-instance; `s` search, search-system, history-type, history-system;
 * `c` create; `u` update, patch; `d` delete. `operation` uses the operation table.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources; FHIR R4 http.html.
 */
export const FhirInteraction = {
  Read: 'read',
  Vread: 'vread',
  HistoryInstance: 'history-instance',
  Search: 'search',
  SearchSystem: 'search-system',
  HistoryType: 'history-type',
  HistorySystem: 'history-system',
  Create: 'create',
  Update: 'update',
  Patch: 'patch',
  Delete: 'delete',
  Operation: 'operation',
} as const;
export type FhirInteraction = (typeof FhirInteraction)[keyof typeof FhirInteraction];
