import type { SmartConfiguration } from '@bedside/smart-auth';

import {
  AccessRestrictedError,
  FhirErrorCode,
  FhirRequestError,
  MissingSearchParameterError,
  PagingSessionExpiredError,
} from '../errors.js';
import { GenericAdapter } from '../generic/generic-adapter.js';
import { genericFhirError, outcomeCodes, parseOperationOutcome } from '../operation-outcome.js';
import { normalizeGrantedScopeList } from '../scope-dialect.js';
import { Vendor } from '../types.js';

import type { SearchRule } from '../generic/generic-adapter.js';
import type {
  AuthErrorAdvice,
  BackendPolicy,
  FhirFailure,
  PagingPolicy,
  RefreshPolicy,
  ScopeDialect,
} from '../types.js';

/** Epic's OperationOutcome codes (ehr-quirks.md §2.7, source E6). */
export const EpicOutcomeCode = {
  NoResults: '4101',
  RequiredParameterMissing: '4111',
  PagingSessionExpired: '4113',
  PartialData: '4119',
  UnknownParameter: '4122',
  TooManyResults: '4127',
  BreakTheGlass: ['4130', '4131', '4134'],
  ObservationNeedsCategoryOrCode: ['59108', '59111'],
} as const;

/** Observation categories Epic serves (fan-out when "all" is wanted; row 35). */
const OBSERVATION_CATEGORIES = [
  'laboratory',
  'vital-signs',
  'social-history',
  'survey',
  'exam',
  'imaging',
  'procedure',
  'therapy',
  'activity',
] as const;

/** Patient-compartment types whose searches Epic rejects without `patient` (4111). */
const PATIENT_REQUIRED = [
  'AllergyIntolerance',
  'CareTeam',
  'Condition',
  'Coverage',
  'Device',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Goal',
  'Immunization',
  'MedicationRequest',
  'MedicationDispense',
  'Procedure',
  'ServiceRequest',
] as const;

/**
 * Epic (ehr-quirks.md §2). Differences from plain SMART, each with its row of the §7 table.
 */
export class EpicAdapter extends GenericAdapter {
  override readonly vendor = Vendor.Epic;
  override readonly quirkRows: readonly number[] = [
    1, 2, 9, 12, 13, 14, 15, 20, 21, 22, 23, 24, 26, 31, 34, 35, 36, 37, 39, 40, 41, 50,
  ];
  // Row 26: refresh responses carry no new RT unless rolling/indefinite refresh is configured.
  override readonly refresh: RefreshPolicy = {
    rotation: 'optional',
    sendScopeOnRefresh: false,
    minIntervalSeconds: 0,
    publicClientsGetRefreshTokens: false,
  };
  override readonly paging: PagingPolicy = {
    duplicatesAcrossPages: true, // row 37: post-filter search parameters (E7)
    restartOnExpiredSession: true, // row 39: 4113
    maxCount: {},
    partialDataCodes: [EpicOutcomeCode.PartialData], // row 36
  };
  // Row 31: RS256/384/512 for every confidential client; ES256/384 only with a JWK Set URL.
  override readonly backend: BackendPolicy = {
    allowedAlgs: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384'],
    algsRequiringJku: ['ES256', 'ES384'],
  };
  // Row 15: v2 scopes only for apps registered as v2 on Aug 2024+; v1 works everywhere.
  protected override readonly defaultDialect: ScopeDialect = 'v1';
  protected override readonly searchRules: Readonly<Record<string, SearchRule>> = {
    ...Object.fromEntries(PATIENT_REQUIRED.map((type) => [type, { patient: true, row: 35 }])),
    // Row 35: Observation needs `category` or `code` (59108/59111); fan out over categories.
    Observation: {
      patient: true,
      anyOf: [['category'], ['code']],
      fanOut: { param: 'category', values: OBSERVATION_CATEGORIES },
      row: 35,
    },
    // Row 35: CarePlan `category` is "a required search parameter".
    CarePlan: { patient: true, anyOf: [['category']], row: 35 },
    // Row 40: Patient.Search minimum data set (since May 2019).
    Patient: {
      anyOf: [
        ['_id'],
        ['identifier'],
        ['given', 'family', 'birthdate'],
        ['given', 'family', 'gender', 'phone'],
        ['given', 'family', 'gender', 'email'],
      ],
      row: 40,
    },
  };

  /** Row 2: a customer may override endpoints per client id; send `Epic-Client-ID`. */
  override discoveryHeaders(options: { clientId?: string } = {}): Record<string, string> {
    return options.clientId ? { 'Epic-Client-ID': options.clientId } : {};
  }

  /**
   * Row 24: the OIDC issuer is not the FHIR iss but `…/oauth2` (E1, E2); filled in when the
   * well-known document omits `issuer`.
   */
  override normalizeSmartConfiguration(config: SmartConfiguration): SmartConfiguration {
    if (config.issuer) return config;
    const base = config.fhirBaseUrl;
    const match = /^(.*)\/api\/FHIR\/(?:R4|STU3|DSTU2)$/i.exec(base);
    if (!match) return config;
    return { ...config, issuer: `${match[1]}/oauth2` };
  }

  /**
   * Row 14: scope echoes can be Epic API names with a trailing space (`Patient.read
   * Patient.search `) or carry both `.Read` and `.read`.
   */
  override normalizeGrantedScopes(scope: string | undefined): string[] {
    return normalizeGrantedScopeList(scope, { apiNameContext: 'user' });
  }

  /** Rows 39-41, 35: Epic's OperationOutcome codes in `issue.details.coding.code` (E6). */
  override classifyError(failure: FhirFailure): Error {
    const outcome = parseOperationOutcome(failure.body);
    const codes = outcomeCodes(outcome);
    const options = {
      status: failure.status,
      ...(outcome ? { outcome } : {}),
    };
    const has = (code: string) => codes.includes(code);
    if (has(EpicOutcomeCode.PagingSessionExpired)) {
      return new PagingSessionExpiredError('Epic paging session expired (4113)', {
        ...options,
        vendorCode: EpicOutcomeCode.PagingSessionExpired,
      });
    }
    const btg = EpicOutcomeCode.BreakTheGlass.find(has);
    if (btg) {
      return new AccessRestrictedError(
        'This record is restricted: Break-the-Glass is required in Epic before it can be viewed.',
        { ...options, vendorCode: btg },
      );
    }
    if (has(EpicOutcomeCode.TooManyResults)) {
      return new FhirRequestError(
        FhirErrorCode.TooManyResults,
        'Epic found more than 100 matches (4127); add search criteria',
        { ...options, vendorCode: EpicOutcomeCode.TooManyResults, exposable: true },
      );
    }
    const missing = [
      EpicOutcomeCode.RequiredParameterMissing,
      ...EpicOutcomeCode.ObservationNeedsCategoryOrCode,
    ].find(has);
    if (missing) {
      return new MissingSearchParameterError(`Epic requires a search parameter (${missing})`, {
        ...options,
        vendorCode: missing,
      });
    }
    return genericFhirError(failure);
  }

  /** Row 34: Epic answers `unauthorized_client` until the customer maps the client to a user. */
  override describeAuthorizationError(error: {
    error: string;
    errorDescription?: string;
  }): AuthErrorAdvice {
    if (error.error === 'unauthorized_client') {
      return {
        kind: 'pending_customer_setup',
        message:
          'Epic rejected the client: the health system has not finished its setup (client download, ECSA user mapping).',
      };
    }
    return super.describeAuthorizationError(error);
  }
}
