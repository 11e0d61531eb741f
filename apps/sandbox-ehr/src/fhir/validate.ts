import type { Resource } from '@bedside/fhir-model';
import { isValidId } from '@bedside/fhir-model';

import { fhirErrors } from './fhir-error.js';

/** Elements FHIR R4 requires (cardinality 1..) on the types most apps write. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  Observation: ['status', 'code'],
  Condition: ['subject'],
  Encounter: ['status', 'class'],
  MedicationRequest: ['status', 'intent', 'subject'],
  AllergyIntolerance: ['patient'],
  DiagnosticReport: ['status', 'code'],
  Immunization: ['status', 'vaccineCode', 'patient'],
  Procedure: ['status', 'subject'],
  ServiceRequest: ['status', 'intent', 'subject'],
  DocumentReference: ['status', 'content'],
  Group: ['type', 'actual'],
};

/**
 * Checks a request body is a resource of `type` (and, for an update, with `id`).
 * @throws FhirError 400 when the body is not a resource of the URL's type or the ids differ;
 *   422 when required elements are missing.
 */
export function validateResource(body: unknown, type: string, id: string | undefined): Resource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fhirErrors.invalid('The body must be a FHIR resource in JSON.');
  }
  const resource = body as Resource;
  if (resource.resourceType !== type) {
    throw fhirErrors.invalid(
      `The body is a ${String(resource.resourceType)}, but the URL is for ${type}.`,
    );
  }
  if (id !== undefined) {
    if (!isValidId(id)) throw fhirErrors.invalid(`"${id}" is not a valid FHIR id.`);
    if (resource.id !== id) {
      throw fhirErrors.invalid(
        `The body's id (${String(resource.id)}) differs from the URL's (${id}).`,
      );
    }
  }
  const missing = (REQUIRED[type] ?? []).filter(
    (element) => resource[element] === undefined || resource[element] === null,
  );
  if (missing.length > 0) {
    throw fhirErrors.unprocessable(
      `${type} needs ${missing.join(', ')} (FHIR R4 cardinality 1..).`,
    );
  }
  return resource;
}
