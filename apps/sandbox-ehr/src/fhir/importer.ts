/**
 * Imports FHIR data: Bulk Data NDJSON folders (one resource per line, e.g. Synthea's bulk
 * output) and transaction / batch / collection Bundles (urn:uuid references resolved).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { Resource } from '@bedside/fhir-model';

import type { ResourceStore } from './resource-store.js';
import { supportedResourceTypes } from './search-params.js';

export interface ImportReport {
  imported: number;
  /** Resources of types this server does not store, by type. */
  skipped: Record<string, number>;
  /** Lines or entries that are not resources, with where they were. */
  invalid: string[];
}

function emptyReport(): ImportReport {
  return { imported: 0, skipped: {}, invalid: [] };
}

const BATCH = 1000;

function accept(
  resource: unknown,
  where: string,
  report: ImportReport,
): (Resource & { id: string }) | undefined {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    report.invalid.push(`${where}: not a JSON object`);
    return undefined;
  }
  const candidate = resource as Resource;
  if (typeof candidate.resourceType !== 'string' || typeof candidate.id !== 'string') {
    report.invalid.push(`${where}: no resourceType or id`);
    return undefined;
  }
  if (!supportedResourceTypes.includes(candidate.resourceType)) {
    report.skipped[candidate.resourceType] = (report.skipped[candidate.resourceType] ?? 0) + 1;
    return undefined;
  }
  return candidate as Resource & { id: string };
}

/** Imports every `*.ndjson` file of `folder`, streaming each line by line in batches. */
export async function importNdjsonFolder(
  store: ResourceStore,
  folder: string,
): Promise<ImportReport> {
  const report = emptyReport();
  const files = (await readdir(folder)).filter((name) => /\.ndjson$/i.test(name)).sort();
  for (const name of files) {
    const lines = createInterface({
      input: createReadStream(join(folder, name)),
      crlfDelay: Infinity,
    });
    let batch: (Resource & { id: string })[] = [];
    let lineNo = 0;
    for await (const line of lines) {
      lineNo += 1;
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        report.invalid.push(`${name}:${lineNo}: not JSON`);
        continue;
      }
      const resource = accept(parsed, `${name}:${lineNo}`, report);
      if (!resource) continue;
      batch.push(resource);
      if (batch.length >= BATCH) {
        report.imported += await store.bulkLoad(batch);
        batch = [];
      }
    }
    report.imported += await store.bulkLoad(batch);
  }
  return report;
}

function rewriteReferences(value: unknown, map: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteReferences(item, map));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      key === 'reference' && typeof item === 'string'
        ? (map.get(item) ?? item)
        : rewriteReferences(item, map);
  }
  return out;
}

interface BundleEntry {
  fullUrl?: string;
  resource?: Resource;
  request?: { method?: string; url?: string };
}

/**
 * Imports a transaction, batch or collection Bundle. Entries keep their id (PUT url or
 * resource.id) or get a new one; `urn:uuid:` references between entries become `Type/id`.
 */
export async function importBundle(store: ResourceStore, bundle: unknown): Promise<ImportReport> {
  const report = emptyReport();
  const entries = ((bundle as { entry?: BundleEntry[] } | undefined)?.entry ?? []) as BundleEntry[];
  if ((bundle as Resource | undefined)?.resourceType !== 'Bundle') {
    report.invalid.push('not a Bundle');
    return report;
  }
  const map = new Map<string, string>();
  const prepared: { entry: BundleEntry; id: string }[] = [];
  for (const entry of entries) {
    const resource = entry.resource;
    if (!resource?.resourceType) continue;
    const fromUrl =
      entry.request?.method === 'PUT' ? entry.request.url?.split('?')[0]?.split('/')[1] : undefined;
    const id = fromUrl ?? resource.id ?? randomUUID();
    if (entry.fullUrl) map.set(entry.fullUrl, `${resource.resourceType}/${id}`);
    prepared.push({ entry, id });
  }
  const batch: (Resource & { id: string })[] = [];
  prepared.forEach(({ entry, id }, index) => {
    const resource = rewriteReferences({ ...entry.resource, id }, map);
    const accepted = accept(resource, `entry ${index}`, report);
    if (accepted) batch.push(accepted);
  });
  for (let start = 0; start < batch.length; start += BATCH) {
    report.imported += await store.bulkLoad(batch.slice(start, start + BATCH));
  }
  return report;
}

/** Imports a folder of NDJSON, a `.ndjson` file's folder, or a Bundle `.json` file. */
export async function importPath(store: ResourceStore, path: string): Promise<ImportReport> {
  const info = await stat(path);
  if (info.isDirectory()) return importNdjsonFolder(store, path);
  return importBundle(store, JSON.parse(await readFile(path, 'utf8')) as unknown);
}
