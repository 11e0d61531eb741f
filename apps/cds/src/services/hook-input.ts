import type { CdsServiceRequest, PrefetchValue } from '@bedside/cds-hooks';
import type { Resource } from '@bedside/fhir-model';

/** What a service's rules get: the validated request and the prefetch, completed where possible. */
export interface HookInput {
  request: CdsServiceRequest;
  /** Usable data by key; `null` = no data. Keys that could not be read are absent. */
  prefetch: Readonly<Record<string, PrefetchValue>>;
  /** Keys whose data could not be read in time (timeout, FHIR error): rules needing them skip. */
  unavailable: readonly string[];
  /** The service's clock: YYYY-MM-DD. */
  today: string;
  /** The SMART app link cards open. */
  appLaunchUrl: string;
  newUuid: () => string;
}

/** Resources of a Bundle value (or the single resource), filtered by type; `null`/absent → []. */
export function resourcesOf<T extends Resource>(
  value: PrefetchValue | undefined,
  resourceType: T['resourceType'],
): T[] {
  if (value === null || value === undefined) return [];
  if (value.resourceType === resourceType) return [value as unknown as T];
  if (value.resourceType !== 'Bundle') return [];
  const entries = (value['entry'] ?? []) as { resource?: Resource }[];
  return entries
    .map((entry) => entry.resource)
    .filter((resource): resource is T => resource?.resourceType === resourceType);
}

/** Whether every key is usable (present, possibly `null`). */
export function hasAll(input: HookInput, keys: readonly string[]): boolean {
  return keys.every((key) => key in input.prefetch && !input.unavailable.includes(key));
}
