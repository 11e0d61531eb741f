import type { IssueSeverity, IssueType, OperationOutcome } from './types.js';

/** Builds a single-issue OperationOutcome. See: FHIR R4 §OperationOutcome. */
export function createOperationOutcome(
  code: IssueType,
  diagnostics: string,
  severity: IssueSeverity = 'error',
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

/**
 * The one table from outcome to HTTP status used by every FHIR-facing error in Bedside.
 * See: FHIR R4 §http "Error handling" and §operationoutcome "issue-type".
 */
export const httpStatusByIssueType = {
  invalid: 400,
  structure: 400,
  required: 400,
  value: 400,
  'code-invalid': 400,
  'too-long': 400,
  security: 403,
  login: 401,
  unknown: 401,
  expired: 401,
  forbidden: 403,
  suppressed: 403,
  processing: 422,
  'not-supported': 400,
  duplicate: 409,
  conflict: 409,
  'lock-error': 409,
  'not-found': 404,
  deleted: 410,
  exception: 500,
  timeout: 504,
  throttled: 429,
  informational: 200,
} as const satisfies Record<IssueType, number>;

export type HttpStatusByIssueType = typeof httpStatusByIssueType;

/** HTTP status for an OperationOutcome: the status of its most severe issue. */
export function httpStatusForOutcome(outcome: OperationOutcome): number {
  const rank: Record<IssueSeverity, number> = { fatal: 0, error: 1, warning: 2, information: 3 };
  const worst = [...outcome.issue].sort((a, b) => rank[a.severity] - rank[b.severity])[0];
  return worst ? httpStatusByIssueType[worst.code] : 500;
}

/** True when `value` is shaped like an OperationOutcome. */
export function isOperationOutcome(value: unknown): value is OperationOutcome {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { resourceType?: unknown }).resourceType === 'OperationOutcome' &&
    Array.isArray((value as { issue?: unknown }).issue)
  );
}
