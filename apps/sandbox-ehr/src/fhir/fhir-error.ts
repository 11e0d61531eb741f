import type { IssueType } from '@bedside/fhir-model';
import { httpStatusByIssueType } from '@bedside/fhir-model';

/**
 * A FHIR-facing failure: routes throw it, the FHIR error handler answers it as an
 * OperationOutcome with `status` (one table: httpStatusByIssueType, unless overridden).
 */
export class FhirError extends Error {
  constructor(
    readonly code: IssueType,
    diagnostics: string,
    readonly status: number = httpStatusByIssueType[code],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(diagnostics);
    this.name = 'FhirError';
  }
}

export const fhirErrors = {
  invalid: (message: string) => new FhirError('invalid', message, 400),
  notFound: (message: string) => new FhirError('not-found', message, 404),
  gone: (message: string) => new FhirError('deleted', message, 410),
  forbidden: (message: string) => new FhirError('forbidden', message, 403),
  conflict: (message: string) => new FhirError('conflict', message, 409),
  preconditionFailed: (message: string) => new FhirError('conflict', message, 412),
  unprocessable: (message: string) => new FhirError('processing', message, 422),
} as const;
