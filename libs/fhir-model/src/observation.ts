import type { CodeableConcept, Coding, Observation, Quantity } from './types.js';

export interface ReferenceRange {
  low?: Quantity;
  high?: Quantity;
  text?: string;
}

export type Flag = 'low' | 'high' | 'critical-low' | 'critical-high' | 'normal' | 'abnormal';

/** True when any coding of `concept` has this system and code. */
export function hasCoding(
  concept: CodeableConcept | undefined,
  system: string,
  code: string,
): boolean {
  return (
    concept?.coding?.some((coding) => coding.system === system && coding.code === code) ?? false
  );
}

/** The first coding of `concept` in `system`. */
export function codingIn(concept: CodeableConcept | undefined, system: string): Coding | undefined {
  return concept?.coding?.find((coding) => coding.system === system);
}

/** Display text: `text`, else the first coding's display, else its code. */
export function conceptText(concept: CodeableConcept | undefined): string {
  return (
    concept?.text ??
    concept?.coding?.find((coding) => coding.display)?.display ??
    concept?.coding?.[0]?.code ??
    ''
  );
}

/** When the observation applies: `effectiveDateTime`, or the start of `effectivePeriod`, or `issued`. */
export function effectiveTime(observation: Observation): string | undefined {
  const period = observation['effectivePeriod'] as { start?: string } | undefined;
  return (
    observation.effectiveDateTime ?? period?.start ?? (observation['issued'] as string | undefined)
  );
}

/** The quantity of a component with this LOINC code (e.g. systolic in a blood-pressure panel). */
export function componentQuantity(
  observation: Observation,
  system: string,
  code: string,
): Quantity | undefined {
  const components = observation['component'] as
    | { code: CodeableConcept; valueQuantity?: Quantity }[]
    | undefined;
  return components?.find((component) => hasCoding(component.code, system, code))?.valueQuantity;
}

const interpretationFlags: Readonly<Record<string, Flag>> = {
  H: 'high',
  L: 'low',
  HH: 'critical-high',
  LL: 'critical-low',
  N: 'normal',
  A: 'abnormal',
};

/**
 * Flag of a result. The server's `interpretation` wins (H, L, HH, LL, N, A); otherwise the value
 * is compared with the first reference range.
 * See: FHIR R4 Observation.interpretation, Observation.referenceRange.
 */
export function resultFlag(observation: Observation): Flag | undefined {
  const interpretation = (observation['interpretation'] as CodeableConcept[] | undefined)?.[0]
    ?.coding?.[0]?.code;
  const byInterpretation = interpretation ? interpretationFlags[interpretation] : undefined;
  if (byInterpretation) return byInterpretation;
  const value = observation.valueQuantity?.value;
  const range = (observation['referenceRange'] as ReferenceRange[] | undefined)?.[0];
  if (value === undefined || !range) return undefined;
  if (range.low?.value !== undefined && value < range.low.value) return 'low';
  if (range.high?.value !== undefined && value > range.high.value) return 'high';
  return 'normal';
}

/** "4.0–5.6 %" style text of a reference range. */
export function formatReferenceRange(range: ReferenceRange | undefined): string {
  if (!range) return '';
  if (range.text) return range.text;
  const unit = range.high?.unit ?? range.low?.unit ?? '';
  const low = range.low?.value;
  const high = range.high?.value;
  if (low !== undefined && high !== undefined) return `${low}–${high}${unit ? ` ${unit}` : ''}`;
  if (low !== undefined) return `≥ ${low}${unit ? ` ${unit}` : ''}`;
  if (high !== undefined) return `≤ ${high}${unit ? ` ${unit}` : ''}`;
  return '';
}
