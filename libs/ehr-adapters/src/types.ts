import type { FhirContextItem, SmartConfiguration, TokenResponse } from '@bedside/smart-auth';

/** The EHR families Bedside knows; `generic` is plain SMART App Launch 2.2. */
export const Vendor = {
  Generic: 'generic',
  Epic: 'epic',
  Oracle: 'oracle',
  Athena: 'athena',
  Ecw: 'ecw',
} as const;
export type Vendor = (typeof Vendor)[keyof typeof Vendor];

export const VENDORS: readonly Vendor[] = Object.values(Vendor);

/** The resource types a `fhirUser` may point at (SMART 2.2 OIDC-04). */
export const FHIR_USER_RESOURCE_TYPES = [
  'Practitioner',
  'Patient',
  'RelatedPerson',
  'Person',
  'PractitionerRole',
] as const;
export type FhirUserResourceType = (typeof FHIR_USER_RESOURCE_TYPES)[number];

/** The signed-in user as a FHIR resource, re-based onto the connection's FHIR base. */
export interface FhirUser {
  /** Absolute URL under the connection's FHIR base (`{base}/{type}/{id}`). */
  url: string;
  resourceType: FhirUserResourceType;
  id: string;
  /** Relative reference `Type/id`. */
  reference: string;
  /** The claim exactly as the server sent it (absolute, relative, DSTU2 base, odd path…). */
  claim: string;
}

/**
 * The launch context every adapter produces, whatever the vendor sent: the caller reads the same
 * fields from Epic, Oracle Health, athenahealth, eClinicalWorks and a plain SMART server.
 */
export interface LaunchContext {
  vendor: Vendor;
  /** The FHIR base the tokens were issued for (`iss` / `aud`). */
  fhirBaseUrl: string;
  /** Patient id in context (from `patient`, else from a Patient `fhirUser`). */
  patient?: string;
  encounter?: string;
  fhirUser?: FhirUser;
  /** Always a boolean: `"true"`/`"false"` strings are coerced; absent means true (show it). */
  needPatientBanner: boolean;
  smartStyleUrl?: string;
  intent?: string;
  fhirContext: FhirContextItem[];
  /** Tenant / practice the connection is bound to (Oracle `tenant`, athena practice, eCW code). */
  tenant?: string;
  /** A user name the EHR sent outside the id_token (Oracle `username`). */
  username?: string;
  /** Granted scopes, normalised (trimmed, de-duplicated, case-folded permissions). */
  grantedScopes: string[];
  /** Every vendor-specific member of the token response, never dropped (quirk row 20). */
  vendorExtras: Record<string, unknown>;
}

/** Which launch a scope list is for. */
export type LaunchKind = 'ehr' | 'standalone' | 'backend';

/** SMART scope syntax a server accepts (SMART 2.2 §scopes: v1 `.read`, v2 `.rs`). */
export type ScopeDialect = 'v1' | 'v2';

/** Input of {@link EhrAdapter.normalizeLaunchContext}. */
export interface LaunchContextInput {
  /**
   * The token response members: `TokenResponse.raw`, or on later calls `{ ...tokenSet.context,
   * scope: tokenSet.scope }`.
   */
  tokenResponse: Readonly<Record<string, unknown>> | TokenResponse;
  /** Claims of the verified id_token, when one was issued. */
  idTokenClaims?: Readonly<Record<string, unknown>>;
  /** The FHIR base of this connection (the launch `iss`). */
  fhirBaseUrl: string;
}

/** How an adapter treats refresh (quirk rows 25-29). */
export interface RefreshPolicy {
  /**
   * `never`: the response never carries a new refresh token, keep the old one (row 26);
   * `always`: single-use, each response carries a new one that must be stored before use
   * (row 27); `optional`: either.
   */
  rotation: 'never' | 'always' | 'optional';
  /** Send the granted `scope` on refresh requests (row 28). */
  sendScopeOnRefresh: boolean;
  /** Minimum seconds between two refreshes of one grant (row 29); 0 = no limit. */
  minIntervalSeconds: number;
  /** Refresh tokens are issued to public clients. */
  publicClientsGetRefreshTokens: boolean;
}

/** Request budget of one vendor (quirk row 46). */
export interface RateLimitPolicy {
  /** FHIR + OAuth calls allowed per minute per FHIR base; undefined = unknown / unlimited. */
  requestsPerMinute?: number;
  /** Token endpoint calls allowed per minute; undefined = unknown. */
  tokenRequestsPerMinute?: number;
  /** Seconds to wait after a 429 that carries no `Retry-After`. */
  defaultRetryAfterSeconds: number;
}

/** How search results come back (quirk rows 36-39). */
export interface PagingPolicy {
  /** The same resource can appear on several pages (row 37). */
  duplicatesAcrossPages: boolean;
  /** Restart a search whose paging session expired, from page one (row 39). */
  restartOnExpiredSession: boolean;
  /** Largest `_count` per resource type, when the vendor documents one (row 38). */
  maxCount: Readonly<Record<string, number>>;
  /** Vendor codes of in-bundle warnings meaning "more data may exist" (Epic 4119, row 36). */
  partialDataCodes: readonly string[];
}

/** Backend Services rules (quirk rows 31, 33). */
export interface BackendPolicy {
  /** Client-assertion algorithms the vendor accepts. */
  allowedAlgs: readonly string[];
  /** Algorithms accepted only with a registered JWK Set URL (`jku`). */
  algsRequiringJku: readonly string[];
}

/** Server capabilities that decide behaviour before any vendor switch. */
export interface ServerCapabilities {
  scopeDialect: ScopeDialect;
  /** PKCE S256 is sent (always; servers that do not implement it ignore it, row 19). */
  pkce: 'S256';
  /** Authorization requests may be POSTed (row 11, EHR launch only on Epic). */
  authorizePost: boolean;
  offlineAccess: boolean;
  /** Wildcard resource scopes (`patient/*.rs`) are accepted (row 16). */
  wildcardScopes: boolean;
}

/** One search request after vendor planning (required parameters added, `_count` capped). */
export interface PlannedSearch {
  resourceType: string;
  params: URLSearchParams;
}

export interface SearchPlanContext {
  /** Patient in context; added where the vendor requires a patient parameter. */
  patient?: string;
  /** Tenant / practice (athena `ah-practice` routing, row 7). */
  tenant?: string;
}

export type WriteInteraction = 'create' | 'update';

/** The interface every vendor adapter implements. */
export interface EhrAdapter {
  readonly vendor: Vendor;
  /** Rows of the quirks table (ehr-quirks.md §7) this adapter handles. */
  readonly quirkRows: readonly number[];
  readonly refresh: RefreshPolicy;
  readonly rateLimit: RateLimitPolicy;
  readonly paging: PagingPolicy;
  readonly backend: BackendPolicy;

  /** Extra headers for `.well-known/smart-configuration` and `/metadata` requests (row 2). */
  discoveryHeaders(options?: { clientId?: string }): Record<string, string>;
  /** Fills documented gaps of the vendor's discovery document (rows 3, 24). */
  normalizeSmartConfiguration(config: SmartConfiguration): SmartConfiguration;
  /** What the server supports, from its discovery document first and vendor knowledge second. */
  capabilities(config?: SmartConfiguration): ServerCapabilities;
  /**
   * The scope string to request, in the vendor's dialect: `launch` added iff EHR launch (row 12),
   * v1/v2 translated (row 15), wildcards expanded where rejected (row 16), backend scopes built
   * the vendor's way (row 33).
   */
  toRequestedScopes(
    scopes: readonly string[],
    options: { launch: LaunchKind; config?: SmartConfiguration },
  ): string;
  /** The scope list again without `offline_access` / `online_access` (row 18 retry). */
  withoutOfflineAccess(scope: string): string;
  /** Granted scopes normalised (rows 13, 14). */
  normalizeGrantedScopes(scope: string | undefined): string[];
  /**
   * Repairs a token endpoint JSON body before it is validated (string booleans, row 21; vendor
   * fields kept, row 20). Used on code exchange and on every refresh.
   */
  normalizeTokenBody(body: Record<string, unknown>): Record<string, unknown>;
  /** The one launch context shape from any vendor's token response and id_token (rows 20-23). */
  normalizeLaunchContext(input: LaunchContextInput): LaunchContext;
  /** Adds required search parameters, caps `_count`, fans out where needed (rows 7, 35, 38, 40). */
  planSearch(
    resourceType: string,
    params: URLSearchParams,
    context?: SearchPlanContext,
  ): PlannedSearch[];
  /** Whether a FHIR write is available at all (row 45). */
  supportsWrite(resourceType: string, interaction: WriteInteraction): boolean;
  /** Turns a failed FHIR response into a typed error (rows 6, 39-43). */
  classifyError(failure: FhirFailure): Error;
  /** Maps an OAuth error to what the operator must do (row 34: `unauthorized_client`). */
  describeAuthorizationError(error: {
    error: string;
    errorDescription?: string;
    errorUri?: string;
  }): AuthErrorAdvice;
}

/** A non-2xx FHIR response, read once. */
export interface FhirFailure {
  status: number;
  method: string;
  url: string;
  headers: Headers;
  /** The body text ('' when empty). */
  body: string;
}

export interface AuthErrorAdvice {
  kind: 'pending_customer_setup' | 'scope_rejected' | 'user_denied' | 'reauthorize' | 'other';
  message: string;
}
