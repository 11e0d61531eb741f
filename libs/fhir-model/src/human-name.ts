import type { HumanName } from './types.js';

const preferredUse: readonly (HumanName['use'] | undefined)[] = ['official', 'usual', undefined];

/**
 * Picks the name to display: the first current `official`, then `usual`, then one with no `use`,
 * then any; names whose period has ended are skipped when another is available.
 * See: FHIR R4 §HumanName, "use".
 */
export function selectDisplayName(names: readonly HumanName[] | undefined): HumanName | undefined {
  if (!names || names.length === 0) return undefined;
  const current = names.filter((name) => name.use !== 'old' && !name.period?.end);
  const pool = current.length > 0 ? current : names;
  for (const use of preferredUse) {
    const match = pool.find((name) => name.use === use);
    if (match) return match;
  }
  return pool[0];
}

/** "Given Family" from a HumanName, falling back to its `text`; empty string when nothing is known. */
export function formatHumanName(name: HumanName | undefined): string {
  if (!name) return '';
  const parts = [...(name.prefix ?? []), ...(name.given ?? []), name.family, ...(name.suffix ?? [])]
    .map((part) => part?.trim())
    .filter((part): part is string => Boolean(part));
  if (parts.length > 0) return parts.join(' ');
  return name.text?.trim() ?? '';
}

/** Display string for a resource's `name` array (Patient, Practitioner, RelatedPerson). */
export function displayName(names: readonly HumanName[] | undefined): string {
  return formatHumanName(selectDisplayName(names));
}
