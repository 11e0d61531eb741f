import type { IssueType } from '@bedside/fhir-model';

/**
 * An answer other than 200 from the CDS service. The body is an OperationOutcome
 * (cds-hooks.md ERR-1); `exposeDetail` false keeps the reason out of it (401: BP §JWT).
 */
export class CdsHttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 412 | 415 | 500 | 503,
    readonly issueType: IssueType,
    message: string,
    readonly exposeDetail = true,
  ) {
    super(message);
    this.name = 'CdsHttpError';
  }
}

/** 400: the body is not JSON or breaks a CDS Hooks rule (CRD hook-13). */
export const badRequest = (message: string) => new CdsHttpError(400, 'invalid', message);

/** 401 with no detail in the body; the reason is logged only (cds-hooks.md JWT-3). */
export const unauthorized = (reason: string) => new CdsHttpError(401, 'login', reason, false);

/** 404: no service with this id (cds-hooks.md REQ-5). */
export const unknownService = (id: string) =>
  new CdsHttpError(404, 'not-found', `There is no CDS service "${id}".`);

/** 412: data the service needs was neither prefetched nor fetchable (CDS Hooks 2.0 §Prefetch; PF-11). */
export const preconditionFailed = (message: string) => new CdsHttpError(412, 'required', message);
