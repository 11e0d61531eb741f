import type { PrismaClient } from '@bedside/db';
import type { Resource } from '@bedside/fhir-model';

import type { ResourceStore } from '../fhir/resource-store.js';
import { supportedResourceTypes } from '../fhir/search-params.js';
import { runSearch } from '../fhir/search.js';

/**
 * The sandbox's FHIR data as the CDS client sees it: reads, writes and deletes through
 * ResourceStore, and prefetch searches through the FHIR API's own search engine, so that the
 * prefetch equals what the template would return from the sandbox's FHIR server (PF-7). Types
 * the search engine does not index (Coverage) are listed by patient compartment.
 */
export class CdsFhirData {
  constructor(
    private readonly store: ResourceStore,
    private readonly prisma: PrismaClient,
  ) {}

  read(resourceType: string, id: string): Promise<Resource | undefined> {
    return this.store.read(resourceType, id);
  }

  async upsert(resource: Resource & { id: string }): Promise<void> {
    await this.store.upsert(resource);
  }

  /** @returns false when there was nothing to delete. */
  delete(resourceType: string, id: string): Promise<boolean> {
    return this.store.delete(resourceType, id);
  }

  /**
   * A type-level search (CDS Hooks 2.0 §Prefetch query restrictions: references, tokens, dates,
   * `_sort`, `_count`), every page.
   * @throws FhirError 400 for parameters the search engine refuses.
   */
  async search(resourceType: string, query: URLSearchParams): Promise<Resource[]> {
    if (!supportedResourceTypes.includes(resourceType))
      return this.listByPatient(resourceType, query);
    const params = [...query].filter(([name]) => name !== '_cursor');
    const wanted = Number(query.get('_count'));
    const resources: Resource[] = [];
    let cursor: string | undefined;
    do {
      const result = await runSearch(this.store.sql, {
        resourceType,
        params: cursor === undefined ? params : [...params, ['_cursor', cursor]],
        strict: false,
      });
      for (const match of result.matches) resources.push(JSON.parse(match.json) as Resource);
      cursor = Number.isInteger(wanted) && wanted > 0 ? undefined : result.nextCursor;
    } while (cursor !== undefined && resources.length < 5000);
    return resources;
  }

  private async listByPatient(resourceType: string, query: URLSearchParams): Promise<Resource[]> {
    const patient = query.get('patient') ?? query.get('beneficiary');
    if (patient === null) return [];
    const rows = await this.prisma.fhirResource.findMany({
      where: { resourceType, patientId: patient.replace(/^Patient\//, '') },
      take: 1000,
    });
    const status = query.get('status')?.split(',');
    return rows
      .map(
        (row) =>
          ({ ...(row.content as Record<string, unknown>), resourceType, id: row.id }) as Resource,
      )
      .filter((resource) => status === undefined || status.includes(String(resource['status'])));
  }

  /**
   * Runs a resolved prefetch query (`Type/id` read or `Type?params` search) against the sandbox's
   * data. A read that finds nothing is `null`; a search is a searchset Bundle (PF-8).
   */
  async execute(query: string): Promise<Resource | null> {
    const [path = '', search] = query.split('?', 2);
    const [resourceType = '', id] = path.split('/');
    if (id !== undefined && search === undefined) {
      return (await this.read(resourceType, decodeURIComponent(id))) ?? null;
    }
    const resources = await this.search(resourceType, new URLSearchParams(search ?? ''));
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: resources.length,
      entry: resources.map((resource) => ({
        fullUrl: `${resource.resourceType}/${resource.id ?? ''}`,
        resource,
        search: { mode: 'match' },
      })),
    };
  }
}
