/**
 * One problem found by a validator. `path` names the offending attribute in the checked JSON
 * (`cards[0].summary`, `context.userId`; the empty string is the document itself) and `message`
 * says what is wrong in words that may be returned in a `400` body.
 */
export interface ValidationIssue {
  path: string;
  message: string;
}

/**
 * Outcome of a validator. On success `value` is the input, typed (unknown properties are kept,
 * never rejected: CDS Hooks 2.0 §Extensions). `warnings` list SHOULD-level findings that do not
 * make the input invalid (a non-UUID `hookInstance`, a system action without `description`, ...).
 */
export type ValidationResult<T> =
  | { ok: true; value: T; warnings: ValidationIssue[] }
  | { ok: false; issues: ValidationIssue[]; warnings: ValidationIssue[] };

/** Joins issues into one line per issue, `path: message`, for logs and error bodies. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
}

/**
 * Thrown by the builders (`createCard`, `createCdsResponse`, ...) when their input would produce
 * an invalid CDS Hooks object, and available to services that prefer throwing over branching on a
 * {@link ValidationResult}. Carries `status` 400 and `exposable` true: the issues describe the
 * caller's JSON and contain no internals.
 */
export class CdsValidationError extends Error {
  readonly code = 'invalid_cds_hooks_json';
  readonly status = 400;
  readonly exposable = true;
  readonly issues: readonly ValidationIssue[];

  constructor(what: string, issues: readonly ValidationIssue[]) {
    super(`Invalid ${what}:\n${formatIssues(issues)}`);
    this.name = 'CdsValidationError';
    this.issues = issues;
  }
}

/** Returns the value of a successful result, or throws {@link CdsValidationError}. */
export function unwrapValidation<T>(result: ValidationResult<T>, what: string): T {
  if (result.ok) return result.value;
  throw new CdsValidationError(what, result.issues);
}
