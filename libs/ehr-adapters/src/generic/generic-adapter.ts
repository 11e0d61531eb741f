import { SmartCapability, hasCapability } from '@bedside/smart-auth';

import type { FhirContextItem, SmartConfiguration } from '@bedside/smart-auth';

import { MissingSearchParameterError } from '../errors.js';
import { normalizeFhirUser } from '../fhir-user.js';
import { genericFhirError } from '../operation-outcome.js';
import {
  convertScopeDialect,
  expandWildcardScopes,
  normalizeGrantedScopeList,
} from '../scope-dialect.js';
import { Vendor } from '../types.js';

import type {
  AuthErrorAdvice,
  BackendPolicy,
  EhrAdapter,
  FhirFailure,
  FhirUser,
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
} from '../types.js';

/** Per-connection settings that come from the app's registration with the EHR. */
export interface AdapterOptions {
  /**
   * The scope syntax the app is registered for (Epic "SMART Scope Version", Oracle app type).
   * Default: from the discovery document's `permission-v1`/`permission-v2`, then the vendor.
   */
  scopeDialect?: ScopeDialect;
  /** Resource types wildcard scopes expand to where `*` is rejected (row 16). */
  resourceTypes?: readonly string[];
  /** FHIR writes are enabled by contract (eCW, row 45). */
  writeEnabled?: boolean;
}

/** US Core resource types: what `patient/*.rs` means when it has to be spelled out. */
export const DEFAULT_RESOURCE_TYPES = [
  'AllergyIntolerance',
  'CarePlan',
  'CareTeam',
  'Condition',
  'Coverage',
  'Device',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Goal',
  'Immunization',
  'Location',
  'Medication',
  'MedicationDispense',
  'MedicationRequest',
  'Observation',
  'Organization',
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Procedure',
  'Provenance',
  'QuestionnaireResponse',
  'RelatedPerson',
  'ServiceRequest',
  'Specimen',
] as const;

/** A required-parameter rule for one resource type (row 35). */
export interface SearchRule {
  /** Needs `patient` (or `subject`, or `_id`); filled from the launch context when missing. */
  patient?: boolean;
  /** At least one of these parameter sets must be fully present. */
  anyOf?: readonly (readonly string[])[];
  /** When no `anyOf` set is present, run one search per value of this parameter. */
  fanOut?: { param: string; values: readonly string[] };
  /** Parameters added when absent. */
  defaults?: Readonly<Record<string, string>>;
  /** The quirks-table row this rule implements. */
  row: number;
}

const STANDARD_TOKEN_FIELDS = new Set([
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
  'id_token',
  'patient',
  'encounter',
  'need_patient_banner',
  'smart_style_url',
  'fhirContext',
  'intent',
  'tenant',
]);

/**
 * Plain SMART App Launch 2.2 behaviour, and the base every vendor adapter extends. Everything
 * here branches on the server's advertised capabilities; vendor classes override only what their
 * documentation says differs, each override naming its row of ehr-quirks.md §7.
 */
export class GenericAdapter implements EhrAdapter {
  readonly vendor: Vendor = Vendor.Generic;
  /** 23 fhirUser shapes; 37 duplicates across pages; 46 429 + Retry-After. */
  readonly quirkRows: readonly number[] = [9, 12, 13, 14, 15, 18, 21, 22, 23, 36, 37, 46];
  readonly refresh: RefreshPolicy = {
    rotation: 'optional',
    sendScopeOnRefresh: false,
    minIntervalSeconds: 0,
    publicClientsGetRefreshTokens: true,
  };
  readonly rateLimit: RateLimitPolicy = { defaultRetryAfterSeconds: 1 };
  readonly paging: PagingPolicy = {
    duplicatesAcrossPages: true,
    restartOnExpiredSession: false,
    maxCount: {},
    partialDataCodes: [],
  };
  readonly backend: BackendPolicy = {
    allowedAlgs: ['RS384', 'ES384'],
    algsRequiringJku: [],
  };

  protected readonly options: AdapterOptions;
  /** Required search parameters per resource type (row 35); none for a plain server. */
  protected readonly searchRules: Readonly<Record<string, SearchRule>> = {};
  /** Whether the server takes wildcard resource scopes when it says nothing (row 16). */
  protected readonly acceptsWildcardScopes: boolean = true;
  /** Dialect when neither the registration nor the discovery document decides. */
  protected readonly defaultDialect: ScopeDialect = 'v2';

  constructor(options: AdapterOptions = {}) {
    this.options = options;
  }

  discoveryHeaders(_options: { clientId?: string } = {}): Record<string, string> {
    return {};
  }

  normalizeSmartConfiguration(config: SmartConfiguration): SmartConfiguration {
    return config;
  }

  capabilities(config?: SmartConfiguration): ServerCapabilities {
    return {
      scopeDialect: this.scopeDialect(config),
      pkce: 'S256',
      authorizePost: config ? hasCapability(config, SmartCapability.AuthorizePost) : false,
      offlineAccess: config ? hasCapability(config, SmartCapability.PermissionOffline) : true,
      wildcardScopes: this.acceptsWildcardScopes,
    };
  }

  /**
   * Registration first (row 15), then what discovery advertises, then the vendor default.
   */
  protected scopeDialect(config?: SmartConfiguration): ScopeDialect {
    if (this.options.scopeDialect) return this.options.scopeDialect;
    if (config) {
      const v2 = hasCapability(config, SmartCapability.PermissionV2);
      const v1 = hasCapability(config, SmartCapability.PermissionV1);
      if (v2 && !v1) return 'v2';
      if (v1 && !v2) return 'v1';
    }
    return this.defaultDialect;
  }

  toRequestedScopes(
    scopes: readonly string[],
    options: { launch: LaunchKind; config?: SmartConfiguration },
  ): string {
    let list = scopes.flatMap((scope) => scope.split(/\s+/)).filter(Boolean);
    // Row 12: `launch` iff an EHR launch (Epic shows a login page without it; it must not be
    // sent standalone). LAUNCH-02.
    list = list.filter((scope) => scope !== 'launch');
    if (options.launch === 'ehr') list.unshift('launch');
    if (options.launch === 'backend') list = this.backendScopes(list);
    const caps = this.capabilities(options.config);
    // Row 16: spell wildcards out where the server rejects them.
    if (!caps.wildcardScopes) {
      list = expandWildcardScopes(list, this.options.resourceTypes ?? DEFAULT_RESOURCE_TYPES);
    }
    // Row 15: the registration's dialect, or the other syntax is dropped silently.
    return convertScopeDialect(list, caps.scopeDialect).scopes.join(' ');
  }

  /**
   * Backend Services scopes (row 33): `system/` resource scopes only; user-facing scopes
   * (`openid`, `launch/*`, `offline_access`) never go with client credentials.
   */
  protected backendScopes(list: string[]): string[] {
    return list.filter((scope) => scope.startsWith('system/'));
  }

  withoutOfflineAccess(scope: string): string {
    // Row 18: offline access is gated by policy; retry the authorization without it.
    return scope
      .split(/\s+/)
      .filter((item) => item !== '' && item !== 'offline_access' && item !== 'online_access')
      .join(' ');
  }

  normalizeGrantedScopes(scope: string | undefined): string[] {
    return normalizeGrantedScopeList(scope);
  }

  normalizeTokenBody(body: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...body };
    // Row 21: Epic sends need_patient_banner as the string "false"; coercing is safe for anyone.
    for (const key of ['need_patient_banner']) {
      const value = out[key];
      if (value === 'true' || value === 'false') out[key] = value === 'true';
    }
    // Numbers as strings (`"expires_in": "3600"`) are coerced for the same reason.
    const expiresIn = out['expires_in'];
    if (typeof expiresIn === 'string' && /^\d+$/.test(expiresIn))
      out['expires_in'] = Number(expiresIn);
    return out;
  }

  normalizeLaunchContext(input: LaunchContextInput): LaunchContext {
    const body = this.normalizeTokenBody({ ...readTokenMembers(input.tokenResponse) });
    const base = input.fhirBaseUrl.replace(/\/+$/, '');
    const fhirUser = this.resolveFhirUser(body, input.idTokenClaims, base);
    const context: LaunchContext = {
      vendor: this.vendor,
      fhirBaseUrl: base,
      needPatientBanner:
        typeof body['need_patient_banner'] === 'boolean' ? body['need_patient_banner'] : true,
      fhirContext: readFhirContext(body['fhirContext']),
      grantedScopes: this.normalizeGrantedScopes(asString(body['scope'])),
      vendorExtras: {},
    };
    const patient = asString(body['patient']) ?? this.patientFallback(body, fhirUser);
    if (patient !== undefined) context.patient = patient;
    const encounter = asString(body['encounter']);
    if (encounter !== undefined) context.encounter = encounter;
    if (fhirUser) context.fhirUser = fhirUser;
    const style = asString(body['smart_style_url']);
    if (style !== undefined) context.smartStyleUrl = style;
    const intent = asString(body['intent']);
    if (intent !== undefined) context.intent = intent;
    const tenant = this.tenantFrom(body, base);
    if (tenant !== undefined) context.tenant = tenant;
    const username = asString(body['username']);
    if (username !== undefined) context.username = username;
    // Row 20: keep every vendor member; never drop unknown keys.
    for (const [key, value] of Object.entries(body)) {
      if (!STANDARD_TOKEN_FIELDS.has(key) && value !== undefined) context.vendorExtras[key] = value;
    }
    return context;
  }

  /** `fhirUser`, else legacy `profile` (OIDC-07), re-based (row 23). */
  protected resolveFhirUser(
    body: Record<string, unknown>,
    claims: Readonly<Record<string, unknown>> | undefined,
    base: string,
  ): FhirUser | undefined {
    const claim =
      asString(claims?.['fhirUser']) ?? asString(claims?.['profile']) ?? asString(body['fhirUser']);
    return claim === undefined ? undefined : normalizeFhirUser(claim, base);
  }

  /** Row 22: no `patient` (provider standalone, Oracle patient standalone): a Patient user. */
  protected patientFallback(
    _body: Record<string, unknown>,
    fhirUser: FhirUser | undefined,
  ): string | undefined {
    return fhirUser?.resourceType === 'Patient' ? fhirUser.id : undefined;
  }

  protected tenantFrom(body: Record<string, unknown>, _base: string): string | undefined {
    return asString(body['tenant']);
  }

  planSearch(
    resourceType: string,
    params: URLSearchParams,
    context: SearchPlanContext = {},
  ): PlannedSearch[] {
    const planned = new URLSearchParams(params);
    // Row 38: never ask for more than the vendor serves per page.
    const max = this.paging.maxCount[resourceType];
    const count = Number(planned.get('_count'));
    if (max !== undefined && planned.has('_count') && Number.isFinite(count) && count > max) {
      planned.set('_count', String(max));
    }
    this.addRoutingParams(planned, context);
    const rule = this.searchRules[resourceType];
    if (!rule) return [{ resourceType, params: planned }];
    for (const [name, value] of Object.entries(rule.defaults ?? {})) {
      if (!planned.has(name)) planned.set(name, value);
    }
    if (rule.patient && !['patient', 'subject', '_id'].some((name) => planned.has(name))) {
      if (!context.patient) {
        throw new MissingSearchParameterError(
          `${this.vendor} requires a patient parameter on ${resourceType} searches (row ${rule.row})`,
        );
      }
      planned.set('patient', context.patient);
    }
    const sets = rule.anyOf;
    if (!sets || sets.some((set) => set.every((name) => planned.has(name)))) {
      return [{ resourceType, params: planned }];
    }
    if (rule.fanOut) {
      const { param, values } = rule.fanOut;
      return values.map((value) => {
        const one = new URLSearchParams(planned);
        one.set(param, value);
        return { resourceType, params: one };
      });
    }
    throw new MissingSearchParameterError(
      `${this.vendor} requires one of [${sets.map((set) => set.join('+')).join(' | ')}] on ${resourceType} searches (row ${rule.row})`,
    );
  }

  /** Parameters every search carries (athena `ah-practice`, row 7). */
  protected addRoutingParams(_params: URLSearchParams, _context: SearchPlanContext): void {
    // A plain SMART server routes by base URL alone.
  }

  supportsWrite(_resourceType: string, _interaction: WriteInteraction): boolean {
    return true;
  }

  classifyError(failure: FhirFailure): Error {
    return genericFhirError(failure);
  }

  describeAuthorizationError(error: { error: string; errorDescription?: string }): AuthErrorAdvice {
    switch (error.error) {
      case 'access_denied':
        return { kind: 'user_denied', message: 'The user or the EHR denied the authorization.' };
      case 'invalid_scope':
        return { kind: 'scope_rejected', message: 'The EHR rejected a requested scope.' };
      case 'invalid_grant':
        return { kind: 'reauthorize', message: 'The grant is no longer valid; launch again.' };
      default:
        return { kind: 'other', message: error.errorDescription ?? error.error };
    }
  }
}

/** The raw members of a token response, from a smart-auth `TokenResponse` or a plain record. */
export function readTokenMembers(
  source: LaunchContextInput['tokenResponse'],
): Record<string, unknown> {
  const maybe = source as { raw?: unknown; extra?: unknown; access_token?: unknown };
  if (typeof maybe.raw === 'object' && maybe.raw !== null && maybe.extra !== undefined) {
    return { ...(maybe.raw as Record<string, unknown>) };
  }
  return { ...(source as Record<string, unknown>) };
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readFhirContext(value: unknown): FhirContextItem[] {
  if (!Array.isArray(value)) return [];
  const items: FhirContextItem[] = [];
  for (const entry of value) {
    // STU2.0 servers send bare references (LAUNCH-07).
    if (typeof entry === 'string') items.push({ reference: entry });
    else if (typeof entry === 'object' && entry !== null)
      items.push({ ...(entry as FhirContextItem) });
  }
  return items;
}
