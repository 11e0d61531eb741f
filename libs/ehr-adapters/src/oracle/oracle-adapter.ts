import type { SmartConfiguration } from '@bedside/smart-auth';

import { FhirErrorCode, FhirRequestError, MissingSearchParameterError } from '../errors.js';
import { DEFAULT_RESOURCE_TYPES, GenericAdapter } from '../generic/generic-adapter.js';
import { normalizeFhirUser } from '../fhir-user.js';
import { genericFhirError, parseOperationOutcome } from '../operation-outcome.js';
import { Vendor } from '../types.js';

import type { SearchRule } from '../generic/generic-adapter.js';
import type {
  AuthErrorAdvice,
  BackendPolicy,
  FhirFailure,
  FhirUser,
  PagingPolicy,
  RefreshPolicy,
} from '../types.js';

const TENANT_IN_PATH =
  /\/r4\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;

/**
 * Oracle Health / Cerner Millennium (ehr-quirks.md §3). Differences from plain SMART, each with
 * its row of the §7 table.
 */
export class OracleAdapter extends GenericAdapter {
  override readonly vendor = Vendor.Oracle;
  override readonly quirkRows: readonly number[] = [
    3, 5, 6, 16, 20, 22, 23, 25, 26, 29, 34, 35, 37, 38, 42, 43, 44,
  ];
  // Row 26: a refresh response never carries a new refresh token (keep the original).
  // Row 29: refreshing more often than once a minute may be throttled.
  override readonly refresh: RefreshPolicy = {
    rotation: 'never',
    sendScopeOnRefresh: false,
    minIntervalSeconds: 60,
    publicClientsGetRefreshTokens: true,
  };
  override readonly paging: PagingPolicy = {
    duplicatesAcrossPages: true, // row 37: "the same id can appear on several pages" (C6)
    restartOnExpiredSession: false,
    // Row 38: documented maxima (C10).
    maxCount: {
      DiagnosticReport: 100,
      DocumentReference: 100,
      Account: 100,
      Observation: 200,
      Location: 100,
      Organization: 100,
    },
    partialDataCodes: [],
  };
  // Row 31: client_secret_basic or private_key_jwt with RS384/ES384 (C1, C13).
  override readonly backend: BackendPolicy = {
    allowedAlgs: ['RS384', 'ES384'],
    algsRequiringJku: [],
  };
  // Row 16: "wildcard scopes not supported" (C1).
  protected override readonly acceptsWildcardScopes: boolean = false;
  protected override readonly searchRules: Readonly<Record<string, SearchRule>> = {
    ...Object.fromEntries(
      DEFAULT_RESOURCE_TYPES.filter(
        (type) =>
          !['Patient', 'Practitioner', 'Organization', 'Location', 'Medication'].includes(type),
      ).map((type) => [type, { patient: true, row: 35 }]),
    ),
    // Row 35: Patient search needs `_id` or identifier/name/birthdate/phone/email (C6).
    Patient: {
      anyOf: [
        ['_id'],
        ['identifier'],
        ['name'],
        ['family'],
        ['given'],
        ['birthdate'],
        ['phone'],
        ['email'],
      ],
      row: 35,
    },
  };

  /** Row 3: Oracle's well-known lacked `code_challenge_methods_supported` while taking S256. */
  override normalizeSmartConfiguration(config: SmartConfiguration): SmartConfiguration {
    if (config.code_challenge_methods_supported.length > 0) return config;
    return { ...config, code_challenge_methods_supported: ['S256'] };
  }

  /** Row 6: the tenant is part of the base URL (`/r4/{tenant}`) or the `tenant` member. */
  protected override tenantFrom(body: Record<string, unknown>, base: string): string | undefined {
    const tenant = body['tenant'];
    if (typeof tenant === 'string' && tenant !== '') return tenant;
    return TENANT_IN_PATH.exec(base)?.[1];
  }

  /**
   * Row 20/23: the token response's non-standard `user` is the Practitioner id; used only when no
   * id_token names the user.
   */
  protected override resolveFhirUser(
    body: Record<string, unknown>,
    claims: Readonly<Record<string, unknown>> | undefined,
    base: string,
  ): FhirUser | undefined {
    const fromClaims = super.resolveFhirUser(body, claims, base);
    if (fromClaims) return fromClaims;
    const user = body['user'];
    return typeof user === 'string' && user !== ''
      ? normalizeFhirUser(`Practitioner/${user}`, base)
      : undefined;
  }

  override classifyError(failure: FhirFailure): Error {
    const outcome = parseOperationOutcome(failure.body);
    const options = { status: failure.status, ...(outcome ? { outcome } : {}) };
    // Row 6: wrong tenant → 403 "Tenant not valid or accessible": a configuration error.
    if (failure.status === 403 && /tenant not valid or accessible/i.test(failure.body)) {
      return new FhirRequestError(
        FhirErrorCode.TenantNotAccessible,
        'Oracle Health: the tenant in the FHIR base URL is not valid or accessible (check the connection)',
        options,
      );
    }
    // Row 42: 406 with an empty body for a non-JSON Accept: our bug, not the server's.
    if (failure.status === 406) {
      return new FhirRequestError(
        FhirErrorCode.NotAcceptable,
        'Oracle Health answered 406: the request did not ask for application/fhir+json',
        options,
      );
    }
    // Row 43: 500 + OperationOutcome when a stored record lacks a required element.
    if (failure.status === 500 && outcome) {
      return new FhirRequestError(
        FhirErrorCode.DataQuality,
        'Oracle Health could not serialise a record (a required element is missing)',
        { ...options, retryable: false },
      );
    }
    // Row 35: `400 no supported search parameters provided`.
    if (failure.status === 400 && /no supported search parameters/i.test(failure.body)) {
      return new MissingSearchParameterError(
        'Oracle Health: no supported search parameters provided',
        options,
      );
    }
    return genericFhirError(failure);
  }

  /**
   * Row 5: a client registered for another persona gets `unauthorized_client` with an `error_uri`
   * naming `client-persona-mismatch`. Row 34: system accounts need enabling per tenant.
   */
  override describeAuthorizationError(error: {
    error: string;
    errorDescription?: string;
    errorUri?: string;
  }): AuthErrorAdvice {
    if (error.error === 'unauthorized_client') {
      if (error.errorUri?.includes('client-persona-mismatch')) {
        return {
          kind: 'other',
          message:
            'Oracle Health: the app is registered for another persona (provider vs patient); use the matching FHIR base.',
        };
      }
      return {
        kind: 'pending_customer_setup',
        message: 'Oracle Health rejected the client: it is not yet enabled for this tenant.',
      };
    }
    return super.describeAuthorizationError(error);
  }
}
