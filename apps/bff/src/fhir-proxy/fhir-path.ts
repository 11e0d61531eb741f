/**
 * The FHIR paths the proxy forwards: a type, an instance, or an instance version. Anything else
 * (`..`, absolute URLs, encoded slashes, operations) is refused before a request leaves the BFF.
 */
const fhirPathPattern =
  /^([A-Z][A-Za-z]{1,63})(?:\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?)?$/;

export type ProxyInteraction = 'read' | 'vread' | 'search' | 'create' | 'update';

export interface FhirPath {
  resourceType: string;
  id?: string;
  versionId?: string;
}

export function parseFhirPath(path: string): FhirPath | undefined {
  const match = fhirPathPattern.exec(path);
  if (!match) return undefined;
  const [, resourceType, id, versionId] = match;
  if (!resourceType) return undefined;
  return { resourceType, ...(id ? { id } : {}), ...(versionId ? { versionId } : {}) };
}

/** The FHIR interaction a GET on `path` performs. */
export function readInteraction(path: FhirPath): ProxyInteraction {
  return path.versionId ? 'vread' : path.id ? 'read' : 'search';
}
