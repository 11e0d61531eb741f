import type { PrismaClient } from '@bedside/db';
import type { Resource } from '@bedside/fhir-model';

import type { ResourceStore } from '../fhir/resource-store.js';

/** Where each resource type points at its patient (FHIR R4 Patient compartment). */
const patientPath: Readonly<Record<string, string>> = {
  Observation: 'subject',
  Condition: 'subject',
  MedicationRequest: 'subject',
  Procedure: 'subject',
  ServiceRequest: 'subject',
  Encounter: 'subject',
  DiagnosticReport: 'subject',
  Immunization: 'patient',
  AllergyIntolerance: 'patient',
  Coverage: 'beneficiary',
  DetectedIssue: 'patient',
};

type Json = Record<string, unknown>;

function codings(value: unknown): { system?: string; code?: string }[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(codings);
  if (typeof value === 'string') return [{ code: value }];
  const concept = value as { coding?: { system?: string; code?: string }[] };
  return concept.coding ?? [];
}

function tokenMatches(value: unknown, wanted: string): boolean {
  return wanted.split(',').some((token) => {
    const [system, code] = token.includes('|') ? token.split('|', 2) : [undefined, token];
    return codings(value).some(
      (coding) =>
        coding.code === code && (system === undefined || system === '' || coding.system === system),
    );
  });
}

function dateOf(resource: Json): string {
  const period = resource['effectivePeriod'] as { start?: string } | undefined;
  return String(
    resource['effectiveDateTime'] ??
      period?.start ??
      resource['authoredOn'] ??
      resource['recordedDate'] ??
      resource['performedDateTime'] ??
      resource['issued'] ??
      '',
  );
}

const statusParameters: Readonly<Record<string, string>> = {
  'clinical-status': 'clinicalStatus',
  'verification-status': 'verificationStatus',
};

/**
 * The sandbox's FHIR data as the CDS client sees it: reads, the prefetch search subset
 * (CDS Hooks 2.0 §Prefetch query restrictions: reference, token equality, `_sort`, `_count`), and
 * the writes a suggestion makes. Reads and upserts go through ResourceStore; searches and deletes
 * use the same table directly (the one place to adapt if the storage changes).
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
  async delete(resourceType: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.fhirResource.deleteMany({ where: { resourceType, id } });
    return count > 0;
  }

  /** A type-level search with the prefetch subset; unknown parameters narrow nothing. */
  async search(resourceType: string, query: URLSearchParams): Promise<Resource[]> {
    const patient =
      query.get('patient') ?? query.get('subject')?.replace(/^Patient\//, '') ?? undefined;
    const path = patientPath[resourceType];
    const rows = await this.prisma.fhirResource.findMany({
      where: {
        resourceType,
        ...(patient !== undefined && path !== undefined
          ? { content: { path: [path, 'reference'], equals: `Patient/${patient}` } }
          : {}),
        ...(query.get('_id') ? { id: { in: (query.get('_id') ?? '').split(',') } } : {}),
      },
      take: 1000,
    });
    if (patient !== undefined && path === undefined) return [];
    let resources = rows.map(
      (row) =>
        ({ ...(row.content as Json), resourceType: row.resourceType, id: row.id }) as Resource,
    );
    for (const [name, value] of query) {
      if (name === 'code') resources = resources.filter((r) => tokenMatches(r['code'], value));
      else if (name === 'category')
        resources = resources.filter((r) => tokenMatches(r['category'], value));
      else if (name === 'status') {
        const allowed = value.split(',');
        resources = resources.filter((r) => allowed.includes(String(r['status'])));
      } else if (statusParameters[name]) {
        const element = statusParameters[name];
        resources = resources.filter((r) => tokenMatches(r[element], value));
      }
    }
    const sort = query.get('_sort');
    if (sort === '-date' || sort === 'date') {
      resources.sort((a, b) => dateOf(a as Json).localeCompare(dateOf(b as Json)));
      if (sort === '-date') resources.reverse();
    }
    const count = Number(query.get('_count'));
    return Number.isInteger(count) && count > 0 ? resources.slice(0, count) : resources;
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
