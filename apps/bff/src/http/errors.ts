import type { IssueType } from '@bedside/fhir-model';

/** A launch or callback that cannot continue: shown to the user as a page, never redirected. */
export class LaunchError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(`${title}: ${detail}`);
    this.name = 'LaunchError';
  }
}

/** A JSON API error with a machine-readable code for the web app. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A FHIR-facing error: answered as an OperationOutcome. */
export class FhirProxyError extends Error {
  constructor(
    readonly issueType: IssueType,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FhirProxyError';
  }
}

/** The session is missing or its tokens can no longer be used: the UI must re-authorise. */
export class ReauthorizationRequired extends ApiError {
  constructor(message: string, reason: string) {
    super(401, 'reauthorization_required', message, { reason });
  }
}
