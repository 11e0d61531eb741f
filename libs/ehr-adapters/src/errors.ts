import type { OperationOutcome, OperationOutcomeIssue } from '@bedside/fhir-model';

/** Stable codes of {@link FhirRequestError}. */
export const FhirErrorCode = {
  /** Any other non-2xx answer; `outcomeCode` carries the issue type. */
  OperationFailed: 'operation_failed',
  NotFound: 'not_found',
  Gone: 'gone',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  /** 409 / 412 on a write: the resource changed since it was read (row 44). */
  VersionConflict: 'version_conflict',
  /** 429 after the allowed retries (row 46). */
  RateLimited: 'rate_limited',
  /** Break-the-Glass / restricted record (Epic 4130/4131/4134, row 41). */
  AccessRestricted: 'access_restricted',
  /** The paging session behind a `next` link expired (Epic 4113, row 39). */
  PagingSessionExpired: 'paging_session_expired',
  /** A required search parameter is missing (Epic 4111/59108, Oracle 400, athena, row 35). */
  MissingSearchParameter: 'missing_search_parameter',
  /** Too many matches (Epic 4127, row 40). */
  TooManyResults: 'too_many_results',
  /** Wrong tenant in the base URL (Oracle 403, row 6): a configuration error. */
  TenantNotAccessible: 'tenant_not_accessible',
  /** 406 for a non-JSON Accept (Oracle, row 42): a client bug. */
  NotAcceptable: 'not_acceptable',
  /** 500 + OperationOutcome for a record missing a required element (Oracle, row 43). */
  DataQuality: 'data_quality',
  /** The vendor offers no FHIR write for this resource (athena, eCW, row 45). */
  WriteNotSupported: 'write_not_supported',
  /** A `next` link or reference pointing outside the FHIR base (STATE-08). */
  UnsafeLink: 'unsafe_link',
  /** A 2xx answer that is not the FHIR JSON expected. */
  InvalidResponse: 'invalid_response',
} as const;
export type FhirErrorCode = (typeof FhirErrorCode)[keyof typeof FhirErrorCode];

export interface FhirRequestErrorOptions {
  status?: number;
  outcome?: OperationOutcome;
  /** Vendor error code from `issue.details.coding.code` (Epic `4113`, …). */
  vendorCode?: string;
  /** Whether the message may be shown to the user. */
  exposable?: boolean;
  /** Whether the same request may succeed when retried later. */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * A FHIR call that failed. `status` is the upstream HTTP status (0 when no request was sent),
 * `outcome` the parsed OperationOutcome (when there was one), `issues` its issues, `vendorCode`
 * the vendor's own code when it has one.
 */
export class FhirRequestError extends Error {
  readonly code: FhirErrorCode;
  readonly status: number;
  readonly outcome: OperationOutcome | undefined;
  readonly vendorCode: string | undefined;
  readonly exposable: boolean;
  readonly retryable: boolean;

  constructor(code: FhirErrorCode, message: string, options: FhirRequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 0;
    this.outcome = options.outcome;
    this.vendorCode = options.vendorCode;
    this.exposable = options.exposable ?? false;
    this.retryable = options.retryable ?? false;
  }

  get issues(): OperationOutcomeIssue[] {
    return this.outcome?.issue ?? [];
  }
}

/** Break-the-Glass or otherwise restricted record (row 41): show BTG guidance, do not retry. */
export class AccessRestrictedError extends FhirRequestError {
  constructor(message: string, options: FhirRequestErrorOptions = {}) {
    super(FhirErrorCode.AccessRestricted, message, { exposable: true, ...options });
  }
}

/** The paging session expired (row 39). */
export class PagingSessionExpiredError extends FhirRequestError {
  constructor(message: string, options: FhirRequestErrorOptions = {}) {
    super(FhirErrorCode.PagingSessionExpired, message, { retryable: true, ...options });
  }
}

/** A search lacks a parameter the vendor requires (row 35, 40). */
export class MissingSearchParameterError extends FhirRequestError {
  constructor(message: string, options: FhirRequestErrorOptions = {}) {
    super(FhirErrorCode.MissingSearchParameter, message, { status: 400, ...options });
  }
}

/** The vendor has no FHIR write for this resource (row 45). */
export class WriteNotSupportedError extends FhirRequestError {
  constructor(message: string, options: FhirRequestErrorOptions = {}) {
    super(FhirErrorCode.WriteNotSupported, message, { status: 405, ...options });
  }
}

/** A URL outside the connection's FHIR base (STATE-08). */
export class UnsafeLinkError extends FhirRequestError {
  constructor(message: string) {
    super(FhirErrorCode.UnsafeLink, message, { status: 502 });
  }
}
