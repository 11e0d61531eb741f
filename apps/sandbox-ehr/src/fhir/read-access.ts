import type { Resource } from '@bedside/fhir-model';

import { scopeAllowingRead } from '../auth/scope-policy.js';
import type { AccessTokenClaims } from '../auth/tokens.js';

export type ReadDecision =
  | { allowed: true }
  | { allowed: false; status: 403 | 404; diagnostics: string };

/** Where each resource type points at its patient (FHIR R4 Patient compartment, read subset). */
const patientReferencePaths: Record<string, readonly string[]> = {
  Encounter: ['subject'],
  Observation: ['subject'],
  Condition: ['subject'],
  MedicationRequest: ['subject'],
  AllergyIntolerance: ['patient'],
  Immunization: ['patient'],
  Procedure: ['subject'],
  DiagnosticReport: ['subject'],
};

function inPatientCompartment(resource: Resource, patientId: string): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  const paths = patientReferencePaths[resource.resourceType];
  if (!paths) return false;
  return paths.some((path) => {
    const reference = (resource[path] as { reference?: string } | undefined)?.reference;
    return reference === `Patient/${patientId}`;
  });
}

/**
 * RS-02: a read needs a granted scope covering the type. A type with no scope at all is 403,
 * decided before the resource is looked up so a token cannot probe which ids exist.
 */
export function decideTypeRead(
  claims: AccessTokenClaims,
  resourceType: string,
): ReadDecision & { context?: 'patient' | 'user' | 'system' } {
  const match = scopeAllowingRead(claims.scope.split(' '), resourceType);
  if (!match) {
    return {
      allowed: false,
      status: 403,
      diagnostics: `The access token has no scope that allows reading ${resourceType}.`,
    };
  }
  return { allowed: true, context: match.context };
}

/**
 * SCOPE-08: when only a `patient/` scope allows the read, the resource must be in the launch
 * patient's compartment; outside it the answer is 404, as if it did not exist.
 */
export function decideRead(claims: AccessTokenClaims, resource: Resource): ReadDecision {
  const typeDecision = decideTypeRead(claims, resource.resourceType);
  if (!typeDecision.allowed) return typeDecision;
  if (typeDecision.context === 'patient') {
    if (!claims.patient || !inPatientCompartment(resource, claims.patient)) {
      return {
        allowed: false,
        status: 404,
        diagnostics: `${resource.resourceType}/${resource.id ?? ''} is not in the launch patient's record.`,
      };
    }
  }
  return { allowed: true };
}

export const readableResourceTypes = [
  'Patient',
  'Practitioner',
  ...Object.keys(patientReferencePaths),
];
