import type { FastifyReply, FastifyRequest } from 'fastify';

import { createOperationOutcome, httpStatusByIssueType, type IssueType } from '@bedside/fhir-model';

export const fhirJson = 'application/fhir+json; charset=utf-8';

/** Sends a FHIR error as an OperationOutcome with the status from the one outcome table. */
export function sendOutcome(
  reply: FastifyReply,
  code: IssueType,
  diagnostics: string,
  status: number = httpStatusByIssueType[code],
): FastifyReply {
  return reply.code(status).type(fhirJson).send(createOperationOutcome(code, diagnostics));
}

/** Public endpoints answer any origin: browser apps discover and call them (DISC-10, TOKEN-05, RS-06). */
export function allowAnyOrigin(reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', '*');
  reply.header(
    'Access-Control-Expose-Headers',
    'Location, ETag, Content-Location, WWW-Authenticate',
  );
}

export function isFormEncoded(request: FastifyRequest): boolean {
  return (
    (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ===
    'application/x-www-form-urlencoded'
  );
}

/** Keeps single string values: repeated or non-string parameters are treated as absent. */
export function onlyStrings(input: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof input !== 'object' || input === null) return out;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}
