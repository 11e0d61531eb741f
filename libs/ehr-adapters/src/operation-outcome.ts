import { isOperationOutcome } from '@bedside/fhir-model';

import type { OperationOutcome } from '@bedside/fhir-model';

import { FhirErrorCode, FhirRequestError } from './errors.js';

import type { FhirFailure } from './types.js';

/** Parses an OperationOutcome from a body; undefined when it is not one. */
export function parseOperationOutcome(body: string): OperationOutcome | undefined {
  if (body.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(body);
    return isOperationOutcome(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Every `issue.details.coding.code` of an outcome (vendor codes such as Epic's `4113`). */
export function outcomeCodes(outcome: OperationOutcome | undefined): string[] {
  const codes: string[] = [];
  for (const issue of outcome?.issue ?? []) {
    for (const coding of issue.details?.coding ?? []) {
      if (coding.code) codes.push(coding.code);
    }
  }
  return codes;
}

/** A short human message from an outcome: diagnostics, else details text, else issue code. */
export function outcomeMessage(outcome: OperationOutcome | undefined): string | undefined {
  const issue =
    outcome?.issue.find((item) => item.severity === 'error' || item.severity === 'fatal') ??
    outcome?.issue[0];
  if (!issue) return undefined;
  return (
    issue.diagnostics ??
    issue.details?.text ??
    issue.details?.coding?.find((coding) => coding.display)?.display ??
    issue.code
  );
}

/**
 * The vendor-neutral mapping of a failed FHIR response to a {@link FhirRequestError}: the status
 * decides the code, the OperationOutcome (when the body is one) supplies the message.
 * See: FHIR R4 §http "Error handling".
 */
export function genericFhirError(failure: FhirFailure): FhirRequestError {
  const outcome = parseOperationOutcome(failure.body);
  const detail = outcomeMessage(outcome);
  const message = `${failure.method} ${failure.url} failed with HTTP ${failure.status}${
    detail ? `: ${detail}` : ''
  }`;
  const options = {
    status: failure.status,
    ...(outcome ? { outcome } : {}),
    ...(outcomeCodes(outcome)[0] !== undefined ? { vendorCode: outcomeCodes(outcome)[0] } : {}),
  };
  switch (failure.status) {
    case 401:
      return new FhirRequestError(FhirErrorCode.Unauthorized, message, options);
    case 403:
      return new FhirRequestError(FhirErrorCode.Forbidden, message, options);
    case 404:
      return new FhirRequestError(FhirErrorCode.NotFound, message, options);
    case 410:
      return new FhirRequestError(FhirErrorCode.Gone, message, options);
    case 406:
      return new FhirRequestError(FhirErrorCode.NotAcceptable, message, options);
    case 409:
    case 412:
      return new FhirRequestError(FhirErrorCode.VersionConflict, message, {
        ...options,
        exposable: true,
      });
    case 429:
      return new FhirRequestError(FhirErrorCode.RateLimited, message, {
        ...options,
        retryable: true,
      });
    default:
      return new FhirRequestError(FhirErrorCode.OperationFailed, message, {
        ...options,
        retryable: failure.status === 502 || failure.status === 503 || failure.status === 504,
      });
  }
}
