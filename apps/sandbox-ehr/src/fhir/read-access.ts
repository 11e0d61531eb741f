/**
 * Every FHIR request is decided by @bedside/scopes against the access token's scopes; this file
 * adds what the library leaves to the server (SCOPE-08): the patient compartment of `patient/`
 * scopes, and turning granular scopes into a search restriction (SCOPE-05: filter results).
 */
import type { Resource } from '@bedside/fhir-model';
import {
  compileGrant,
  decide,
  parseScopesLenient,
  type ClinicalScope,
  type FhirInteraction,
  type Grant,
  type ScopeContext,
} from '@bedside/scopes';

import type { AccessTokenClaims } from '../auth/tokens.js';
import { FhirError } from './fhir-error.js';
import type { SearchRestriction } from './search.js';
import { compartmentPath, compartmentPatient, supportedResourceTypes } from './search-params.js';

export type ReadDecision =
  | { allowed: true }
  | { allowed: false; status: 403 | 404; diagnostics: string };

/** Unrestricted contexts first: a `user/` or `system/` scope beats a `patient/` one. */
const CONTEXT_PREFERENCE: readonly ScopeContext[] = ['system', 'user', 'patient'];

const grants = new Map<string, { grant: Grant; scopes: ClinicalScope[] }>();

/** The token's scopes compiled once per distinct scope string (malformed scopes are ignored). */
export function grantFor(claims: Pick<AccessTokenClaims, 'scope'>) {
  let entry = grants.get(claims.scope);
  if (!entry) {
    const { scopes } = parseScopesLenient(claims.scope);
    entry = {
      grant: compileGrant(scopes),
      scopes: scopes.filter((s): s is ClinicalScope => s.kind === 'clinical'),
    };
    if (grants.size > 1000) grants.clear();
    grants.set(claims.scope, entry);
  }
  return entry;
}

function forbidden(message: string): FhirError {
  return new FhirError('forbidden', message, 403, {
    'WWW-Authenticate': 'Bearer error="insufficient_scope"',
  });
}

/** True when `resourceType` holds patient data (the Patient itself or its compartment). */
export function isPatientData(resourceType: string): boolean {
  return resourceType === 'Patient' || compartmentPath[resourceType] !== undefined;
}

export interface Authorization {
  context: ScopeContext;
  /** Set when only `patient/` scopes allow the request: the launch patient. */
  patientId: string | undefined;
}

function patientRestriction(claims: AccessTokenClaims, resourceType: string): Authorization {
  if (resourceType === 'Group') {
    throw forbidden('patient/ scopes do not cover Group (a Group spans many patients).');
  }
  if (!claims.patient) {
    throw forbidden('The token has only patient/ scopes for this type but no patient in context.');
  }
  return {
    context: 'patient',
    patientId: isPatientData(resourceType) ? claims.patient : undefined,
  };
}

/**
 * RS-02: decides a request on the resource type (no resource yet). A type no scope grants is
 * 403 before any lookup, so a token cannot probe which ids exist.
 * @returns the authorization, or 'needs-resource' when only granular scopes could allow it.
 * @throws FhirError 403 insufficient_scope
 */
export function authorizeType(
  claims: AccessTokenClaims,
  resourceType: string,
  interaction: FhirInteraction,
): Authorization | 'needs-resource' {
  const { grant } = grantFor(claims);
  const decision = decide(grant, { resourceType, interaction, contexts: CONTEXT_PREFERENCE });
  if (decision.allowed) {
    return decision.context === 'patient'
      ? patientRestriction(claims, resourceType)
      : { context: decision.context, patientId: undefined };
  }
  if (decision.code === 'resource_required') return 'needs-resource';
  throw forbidden(decision.reason);
}

/**
 * Decides a read or write of one resource (granular filters evaluated on it; SCOPE-08: a
 * `patient/` scope reaches only the launch patient's compartment, answered as 404 outside it).
 * @throws FhirError 403 (scope) or 404 (outside the compartment)
 */
export function authorizeResource(
  claims: AccessTokenClaims,
  resource: Resource,
  interaction: FhirInteraction,
): void {
  const { grant } = grantFor(claims);
  const decision = decide(grant, {
    resourceType: resource.resourceType,
    interaction,
    resource,
    contexts: CONTEXT_PREFERENCE,
  });
  if (!decision.allowed) {
    if (
      decision.code === 'filter_not_satisfied' &&
      (interaction === 'read' || interaction === 'vread')
    ) {
      throw new FhirError(
        'not-found',
        `${resource.resourceType}/${resource.id ?? ''} is outside what the token's granular scopes allow.`,
        404,
      );
    }
    throw forbidden(decision.reason);
  }
  if (decision.context !== 'patient') return;
  const { patientId } = patientRestriction(claims, resource.resourceType);
  if (patientId === undefined) return;
  if (compartmentPatient(resource) !== patientId) {
    throw new FhirError(
      'not-found',
      `${resource.resourceType}/${resource.id ?? ''} is not in the launch patient's record.`,
      404,
    );
  }
}

/**
 * Decides a search; with only granular scopes the search is narrowed to what they allow
 * (SCOPE-05) instead of refused.
 * @throws FhirError 403 insufficient_scope
 */
export function authorizeSearch(
  claims: AccessTokenClaims,
  resourceType: string,
  searchParams: readonly (readonly [string, string])[],
): SearchRestriction {
  const { grant, scopes } = grantFor(claims);
  const decision = decide(grant, {
    resourceType,
    interaction: 'search',
    searchParams,
    contexts: CONTEXT_PREFERENCE,
  });
  if (decision.allowed) {
    if (decision.context !== 'patient') return {};
    return { patientId: patientRestriction(claims, resourceType).patientId };
  }
  if (decision.code !== 'filter_not_satisfied' && decision.code !== 'filter_not_evaluable') {
    throw forbidden(decision.reason);
  }
  const granular = scopes.filter(
    (s) =>
      (s.resourceType === resourceType || s.resourceType === '*') &&
      s.permissions.s &&
      s.filters.length > 0,
  );
  const unrestricted = granular.filter((s) => s.context !== 'patient');
  const chosen = unrestricted.length > 0 ? unrestricted : granular;
  if (chosen.length === 0) throw forbidden(decision.reason);
  const restriction: SearchRestriction = {
    filterSets: chosen.map((s) => s.filters.map((f) => [f.name, decodeFilter(f.value)] as const)),
  };
  if (unrestricted.length === 0) {
    return { ...restriction, patientId: patientRestriction(claims, resourceType).patientId };
  }
  return restriction;
}

function decodeFilter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A system-level request (`$export`, `_history`): only `system/` (or `user/`) scopes with `s`. */
export function authorizeTypes(
  claims: AccessTokenClaims,
  types: readonly string[],
  contexts: readonly ScopeContext[],
  operation: string,
): void {
  const { grant } = grantFor(claims);
  for (const resourceType of types) {
    const decision = decide(grant, { resourceType, interaction: 'operation', operation, contexts });
    if (!decision.allowed) throw forbidden(`${operation} of ${resourceType}: ${decision.reason}`);
  }
}

export const readableResourceTypes = supportedResourceTypes;
