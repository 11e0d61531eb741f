import type { SearchMatch, SearchResult } from './search.js';
import type { HistoryEntry } from './resource-store.js';

function queryString(pairs: readonly (readonly [string, string])[]): string {
  return new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, v])).toString();
}

/**
 * A searchset Bundle, written as text around the stored resources' JSON (they are sent as
 * stored, never parsed and re-serialised). See: FHIR R4 §search 3.1.1.2 (paging), §bundle.
 */
export function searchsetBundle(
  fhirBaseUrl: string,
  resourceType: string,
  result: SearchResult,
  includes: readonly SearchMatch[],
): string {
  const base = `${fhirBaseUrl}/${resourceType}`;
  const query = queryString(result.echo);
  const self = query ? `${base}?${query}` : base;
  const links = [{ relation: 'self', url: self }];
  if (result.nextCursor) {
    links.push({
      relation: 'next',
      url: `${base}?${queryString([...result.echo, ['_cursor', result.nextCursor]])}`,
    });
  }
  const entries: string[] = [];
  for (const match of result.matches) {
    entries.push(
      `{"fullUrl":${JSON.stringify(`${base}/${match.id}`)},"resource":${match.json},"search":{"mode":"match"}}`,
    );
  }
  for (const match of includes) {
    const type = /"resourceType":"([A-Za-z]+)"/.exec(match.json)?.[1] ?? resourceType;
    entries.push(
      `{"fullUrl":${JSON.stringify(`${fhirBaseUrl}/${type}/${match.id}`)},"resource":${match.json},"search":{"mode":"include"}}`,
    );
  }
  if (result.warnings.length > 0) {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: result.warnings.map((diagnostics) => ({
        severity: 'warning',
        code: 'not-supported',
        diagnostics,
      })),
    };
    entries.push(`{"resource":${JSON.stringify(outcome)},"search":{"mode":"outcome"}}`);
  }
  const total = result.total === undefined ? '' : `"total":${result.total},`;
  return `{"resourceType":"Bundle","type":"searchset",${total}"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
}

/** A history Bundle of one resource's versions, newest first. See: FHIR R4 §http 3.1.0.11. */
export function historyBundle(
  fhirBaseUrl: string,
  resourceType: string,
  id: string,
  entries: readonly HistoryEntry[],
) {
  const url = `${fhirBaseUrl}/${resourceType}/${id}`;
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: entries.length,
    link: [{ relation: 'self', url: `${url}/_history` }],
    entry: entries.map((entry) => ({
      fullUrl: url,
      ...(entry.resource ? { resource: entry.resource } : {}),
      request: {
        method: entry.method === 'create' ? 'POST' : entry.method === 'update' ? 'PUT' : 'DELETE',
        url: entry.method === 'create' ? resourceType : `${resourceType}/${id}`,
      },
      response: {
        status:
          entry.method === 'create'
            ? '201 Created'
            : entry.method === 'update'
              ? '200 OK'
              : '204 No Content',
        etag: `W/"${entry.versionId}"`,
        lastModified: entry.lastUpdated,
      },
    })),
  };
}
