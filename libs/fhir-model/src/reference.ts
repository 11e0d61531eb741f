const resourceTypePattern = /^[A-Z][A-Za-z]+$/;
const idPattern = /^[A-Za-z0-9\-.]{1,64}$/;

export interface ParsedReference {
  resourceType: string;
  id: string;
  /** Set when the reference pins a version (`Patient/1/_history/2`). */
  versionId?: string;
  /** Set when the reference was absolute: the service base it points into. */
  baseUrl?: string;
}

/**
 * Parses a literal reference: relative (`Patient/123`), versioned (`Patient/123/_history/2`) or
 * absolute (`https://ehr/fhir/Patient/123`). Returns undefined for anything else (contained
 * `#id` references, URNs, malformed ids).
 * See: FHIR R4 §3.3.1 Literal references; id = [A-Za-z0-9\-\.]{1,64}.
 */
export function parseReference(reference: string): ParsedReference | undefined {
  let baseUrl: string | undefined;
  let path = reference;
  if (/^https?:\/\//.test(reference)) {
    let url: URL;
    try {
      url = new URL(reference);
    } catch {
      return undefined;
    }
    const segments = url.pathname.split('/').filter(Boolean);
    const historyAt = segments.lastIndexOf('_history');
    const tail = historyAt >= 2 ? segments.slice(historyAt - 2) : segments.slice(-2);
    const baseSegments = segments.slice(0, segments.length - tail.length);
    baseUrl = `${url.origin}/${baseSegments.join('/')}`.replace(/\/$/, '');
    path = tail.join('/');
  }
  const [resourceType, id, history, versionId, ...rest] = path.split('/');
  if (rest.length > 0 || !resourceType || !id) return undefined;
  if (!resourceTypePattern.test(resourceType) || !idPattern.test(id)) return undefined;
  if (
    history !== undefined &&
    (history !== '_history' || !versionId || !idPattern.test(versionId))
  ) {
    return undefined;
  }
  return {
    resourceType,
    id,
    ...(versionId ? { versionId } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  };
}

/** True when `id` is a valid FHIR logical id. */
export function isValidId(id: string): boolean {
  return idPattern.test(id);
}

/** True when `type` looks like a FHIR resource type name (letters, upper-case first). */
export function isResourceTypeName(type: string): boolean {
  return resourceTypePattern.test(type);
}
