import type { Bundle, Resource } from './types.js';

/** The resources of a Bundle with `search.mode` match (or no mode), of type `type` if given. */
export function bundleResources<R extends Resource = Resource>(
  bundle: Bundle | undefined,
  type?: R['resourceType'],
): R[] {
  if (!bundle?.entry) return [];
  return bundle.entry
    .filter((entry) => entry.search?.mode === undefined || entry.search.mode === 'match')
    .map((entry) => entry.resource)
    .filter(
      (resource): resource is R =>
        resource !== undefined && (type === undefined || resource.resourceType === type),
    );
}

/** The `next` link of a searchset Bundle, if any. */
export function nextLink(bundle: Bundle | undefined): string | undefined {
  return bundle?.link?.find((link) => link.relation === 'next')?.url;
}
