/**
 * Vendor profiles: a launch or a client runs under one of them, and the authorization server
 * reproduces that vendor's documented behaviour. Every knob cites its row of the quirk table at
 * the end of shared/spec/ehr-quirks.md (§7) and the vendor document behind it.
 */
export const VENDOR_PROFILES = ['generic', 'epic', 'oracle', 'athena', 'ecw'] as const;
export type VendorProfileName = (typeof VENDOR_PROFILES)[number];

export interface VendorProfile {
  readonly name: VendorProfileName;
  /** Access-token lifetime of user launches; undefined = the sandbox's configured TTL. */
  readonly accessTokenTtlSeconds?: number;
  /** Access-token lifetime of client_credentials grants (BS-03: SHOULD NOT exceed 300). */
  readonly backendAccessTokenTtlSeconds: number;
  /** `need_patient_banner` as the string "true"/"false" instead of a boolean. */
  readonly needPatientBannerAsString: boolean;
  /** Extra token-response members (vendor launch-context extras). */
  readonly tokenExtras: (context: { patient?: string; user?: string }) => Record<string, unknown>;
  /** `always`: each refresh returns a new refresh token; `never`: the original one stays valid. */
  readonly refreshRotation: 'always' | 'never';
  /** Presenting a consumed refresh token revokes the whole family (else only refused). */
  readonly reuseRevokesFamily: boolean;
  /** The refresh request must repeat `scope`. */
  readonly refreshRequiresScope: boolean;
  /** Minimum seconds between two refreshes of one grant (0 = no throttle). */
  readonly refreshMinIntervalSeconds: number;
  /** Public clients get refresh tokens. */
  readonly refreshForPublicClients: boolean;
  /** PKCE S256 required (else optional; `plain` is refused by every profile). */
  readonly pkceRequired: boolean;
  /** Client-assertion algorithms accepted (private_key_jwt). */
  readonly assertionAlgs: readonly string[];
  /** Wildcard (`*`) clinical scopes are refused with invalid_scope. */
  readonly rejectWildcardScopes: boolean;
  /** The requested scope string may not be longer than this (undefined = no vendor limit). */
  readonly maxScopeLength?: number;
  /** The granted `scope` string ends with a trailing space. */
  readonly scopeTrailingSpace: boolean;
  /** A client registered with SMART scope version v1 gets v2 requests answered in v1 syntax. */
  readonly v1ScopesForV1Apps: boolean;
  /** Token requests per client per minute (429 beyond); undefined = no limit. */
  readonly tokenRequestsPerMinute?: number;
  /** CORS headers on the token endpoint. */
  readonly tokenEndpointCors: boolean;
  /** A wrong or missing `aud` shows an HTML page instead of redirecting with an error. */
  readonly badAudienceAsPage: boolean;
  /** Standalone launches may omit `aud` unless they request `launch/*` scopes. */
  readonly audienceOptionalWithoutLaunchScopes: boolean;
  /** `error_uri` added to token-endpoint errors. */
  readonly errorUri?: string;
  /** client_credentials without `scope` gets the client's registered system scopes. */
  readonly backendScopeOptional: boolean;
  /** `fhirUser` in the id_token is an absolute URL. */
  readonly absoluteFhirUser: boolean;
}

const generic: VendorProfile = {
  name: 'generic',
  backendAccessTokenTtlSeconds: 300,
  needPatientBannerAsString: false,
  tokenExtras: () => ({}),
  refreshRotation: 'always',
  reuseRevokesFamily: true,
  refreshRequiresScope: false,
  refreshMinIntervalSeconds: 0,
  refreshForPublicClients: true,
  pkceRequired: true,
  assertionAlgs: ['RS384', 'ES384'],
  rejectWildcardScopes: false,
  scopeTrailingSpace: false,
  v1ScopesForV1Apps: false,
  tokenEndpointCors: true,
  badAudienceAsPage: false,
  audienceOptionalWithoutLaunchScopes: false,
  backendScopeOptional: false,
  absoluteFhirUser: false,
};

const profiles: Record<VendorProfileName, VendorProfile> = {
  generic,
  epic: {
    ...generic,
    name: 'epic',
    // Row 21 (DOC E2): Epic sends need_patient_banner (and smart_style_url flags) as strings.
    needPatientBannerAsString: true,
    // Row 20 (DOC E1,E2): Epic adds `__epic.dstu2.patient` (the DSTU2 id of the patient).
    tokenExtras: ({ patient }) => (patient ? { '__epic.dstu2.patient': `T${patient}` } : {}),
    // Row 19 (DOC E1,E2): Epic supports PKCE S256 but documents it as optional.
    pkceRequired: false,
    // Row 31 (DOC E1): Epic accepts RS256/384/512 and ES256/384 backend assertions.
    assertionAlgs: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384'],
    // Row 14 (DOC E1,E2): Epic's scope echo may carry trailing spaces.
    scopeTrailingSpace: true,
    // Row 15 (DOC E1): apps registered with SMART scope version v1 get v1 scopes regardless.
    v1ScopesForV1Apps: true,
    // Row 9 (DOC E1,E2): a bad or missing aud shows "Something went wrong trying to authorize the client".
    badAudienceAsPage: true,
    // Row 10 (DOC E2): standalone aud is only required with launch/* scopes.
    audienceOptionalWithoutLaunchScopes: true,
    // Row 33 (DOC E1): Epic backend services need no scope; the registration decides.
    backendScopeOptional: true,
    // Row 23 (DOC E1, ISSUE O1): Epic's fhirUser is an absolute URL.
    absoluteFhirUser: true,
  },
  oracle: {
    ...generic,
    name: 'oracle',
    // Row 25 (DOC C1): Oracle Health access tokens live 570 seconds.
    accessTokenTtlSeconds: 570,
    // Row 20 (ISSUE O13): Cerner token responses carry `tenant`, `user` and `username`.
    tokenExtras: ({ user }) => ({
      tenant: 'ec2458f2-1e24-41c8-b71b-0e701af7583d',
      ...(user ? { user, username: user } : {}),
    }),
    // Row 26 (DOC C1): Oracle never rotates refresh tokens: the response omits refresh_token.
    refreshRotation: 'never',
    reuseRevokesFamily: false,
    // Row 29 (DOC C1,C4): refresh is throttled to less than once a minute.
    refreshMinIntervalSeconds: 60,
    // Row 17 (DOC C1): too many scopes → error.
    maxScopeLength: 1000,
    // Row 16 (DOC C1): wildcard scopes are not supported.
    rejectWildcardScopes: true,
    // Row 51 (DOC C1): Oracle errors carry an error_uri.
    errorUri: 'https://fhir.cerner.com/authorization/#errors',
  },
  athena: {
    ...generic,
    name: 'athena',
    // Row 20 (ISSUE O8): athenaOne puts the practice in `ah_practice`.
    tokenExtras: () => ({ ah_practice: 'Organization/a-1.Practice-195900' }),
    // Row 28 (ISSUE O8): athena refuses a refresh without `scope`.
    refreshRequiresScope: true,
    // Row 16 (ISSUE O9): wildcard scopes rejected.
    rejectWildcardScopes: true,
    // Row 46 (DOC A1): token endpoint limited to 50 requests a minute.
    tokenRequestsPerMinute: 50,
    // Row 48 (ISSUE O7): no CORS on the token endpoint.
    tokenEndpointCors: false,
  },
  ecw: {
    ...generic,
    name: 'ecw',
    // Row 27 (3P W1): single-use refresh tokens; a reused one is refused (no family revocation).
    reuseRevokesFamily: false,
    // Matrix "Refresh" (3P W1, ISSUE W4): no refresh tokens for public clients.
    refreshForPublicClients: false,
    // Row 31 (3P W1): eClinicalWorks accepts only RS384 backend assertions.
    assertionAlgs: ['RS384'],
    // Row 48 (ISSUE W4): no CORS on the token endpoint.
    tokenEndpointCors: false,
  },
};

export function isVendorProfileName(value: unknown): value is VendorProfileName {
  return typeof value === 'string' && (VENDOR_PROFILES as readonly string[]).includes(value);
}

/** The profile by name; unknown names fall back to `generic`. */
export function vendorProfile(name: string | null | undefined): VendorProfile {
  return isVendorProfileName(name) ? profiles[name] : generic;
}
