import { FHIR_USER_RESOURCE_TYPES } from './types.js';

import type { FhirUser, FhirUserResourceType } from './types.js';

// R4 ids are 1-64 chars, but Epic's real ids exceed 200 (ehr-quirks.md §2.7): accept longer.
const ID_PATTERN = /^[A-Za-z0-9\-.]{1,512}$/;

/**
 * Reads a `fhirUser` (or legacy `profile`) claim whatever its shape and re-bases it onto the
 * connection's FHIR base: relative `Practitioner/123`, absolute URLs on this base, Epic's odd
 * `…/oauth2/api/FHIR/R4/Practitioner/…` path and Oracle's DSTU2 base all yield
 * `{base}/Practitioner/123`. The resource type and id are the last two path segments (after
 * dropping `/_history/n`), as client-js does (quirk row 23; ehr-quirks.md §2.4, §3.4).
 * Returns undefined for anything that is not a Patient, Practitioner, PractitionerRole,
 * RelatedPerson or Person reference.
 * See: SMART App Launch 2.2 §scopes-and-launch-context "fhirUser" (OIDC-04, OIDC-06).
 */
export function normalizeFhirUser(claim: string, fhirBaseUrl: string): FhirUser | undefined {
  const trimmed = claim.trim();
  if (trimmed === '') return undefined;
  let path = trimmed;
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) {
    try {
      path = new URL(trimmed).pathname;
    } catch {
      return undefined;
    }
  }
  const segments = path.split('/').filter(Boolean);
  const historyAt = segments.lastIndexOf('_history');
  const kept = historyAt >= 2 ? segments.slice(0, historyAt) : segments;
  const id = kept.at(-1);
  const type = kept.at(-2);
  if (!id || !type || !ID_PATTERN.test(decodeURIComponent(id))) return undefined;
  if (!(FHIR_USER_RESOURCE_TYPES as readonly string[]).includes(type)) return undefined;
  const base = fhirBaseUrl.replace(/\/+$/, '');
  const resourceType = type as FhirUserResourceType;
  const cleanId = decodeURIComponent(id);
  return {
    url: `${base}/${resourceType}/${encodeURIComponent(cleanId)}`,
    resourceType,
    id: cleanId,
    reference: `${resourceType}/${cleanId}`,
    claim: trimmed,
  };
}
