import type { PrismaClient } from '@bedside/db';
import type { Patient, Resource } from '@bedside/fhir-model';

export interface StoredResource extends Resource {
  id: string;
  meta: { versionId: string; lastUpdated: string };
}

/** The sandbox EHR's FHIR data: the current version of each resource, as JSONB. */
export class ResourceStore {
  constructor(private readonly prisma: PrismaClient) {}

  async read(resourceType: string, id: string): Promise<StoredResource | undefined> {
    const row = await this.prisma.fhirResource.findUnique({
      where: { resourceType_id: { resourceType, id } },
    });
    if (!row) return undefined;
    return {
      ...(row.content as Resource),
      resourceType: row.resourceType,
      id: row.id,
      meta: { versionId: String(row.versionId), lastUpdated: row.lastUpdated.toISOString() },
    };
  }

  /** Creates or replaces a resource, bumping its version. */
  async upsert(resource: Resource & { id: string }): Promise<void> {
    const { meta: _meta, ...content } = resource;
    await this.prisma.fhirResource.upsert({
      where: { resourceType_id: { resourceType: resource.resourceType, id: resource.id } },
      create: { resourceType: resource.resourceType, id: resource.id, content: content as object },
      update: { content: content as object, versionId: { increment: 1 }, lastUpdated: new Date() },
    });
  }

  /** Patients for the launcher's picker, ordered by family name. */
  async listPatients(limit = 500): Promise<Patient[]> {
    const rows = await this.prisma.fhirResource.findMany({
      where: { resourceType: 'Patient' },
      take: limit,
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => ({ ...(row.content as Patient), id: row.id }));
  }
}
