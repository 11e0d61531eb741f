import type { CodeableConcept, Condition, Observation, Patient } from '@bedside/fhir-model';

import { calculateAscvdRisk, validateAscvdInput, type AscvdInput } from './ascvd.js';
import {
  ageOn,
  extractAscvdInputs,
  hasDiabetes,
  LOINC,
  type PatientRecord,
} from './fhir-inputs.js';
import { SNOMED } from './medications.js';

/** A FHIR Procedure, reduced to what the screening rules read. */
export interface ProcedureLike {
  resourceType: 'Procedure';
  id?: string;
  status?: string;
  code?: CodeableConcept;
  performedDateTime?: string;
  performedPeriod?: { start?: string; end?: string };
  [element: string]: unknown;
}

interface Evidence {
  system: string;
  code: string;
  /** How long one such result keeps the screening current, in months. */
  validMonths: number;
}

export interface ScreeningRule {
  id: string;
  title: string;
  /** Who is eligible. */
  applies(patient: { age: number; sex: Patient['gender']; diabetic: boolean }): boolean;
  evidence: readonly Evidence[];
  /** Shown as the recommendation's source. */
  recommendation: string;
}

/** Screening rules (USPSTF and ADA recommendations, simplified for the demo). */
export const SCREENING_RULES: readonly ScreeningRule[] = [
  {
    id: 'blood-pressure',
    title: 'Blood pressure check',
    applies: ({ age }) => age >= 18,
    evidence: [
      { system: LOINC, code: '85354-9', validMonths: 12 },
      { system: LOINC, code: '8480-6', validMonths: 12 },
    ],
    recommendation: 'USPSTF: screen adults 18+ for hypertension, yearly from age 40.',
  },
  {
    id: 'lipid-panel',
    title: 'Lipid panel',
    applies: ({ age }) => age >= 40 && age <= 75,
    evidence: [
      { system: LOINC, code: '2093-3', validMonths: 60 },
      { system: LOINC, code: '57698-3', validMonths: 60 },
    ],
    recommendation: 'ACC/AHA: assess lipids and 10-year ASCVD risk every 4-6 years from age 40.',
  },
  {
    id: 'colorectal-cancer',
    title: 'Colorectal cancer screening',
    applies: ({ age }) => age >= 45 && age <= 75,
    evidence: [
      { system: SNOMED, code: '73761001', validMonths: 120 }, // Colonoscopy
      { system: LOINC, code: '29771-3', validMonths: 12 }, // FIT
      { system: LOINC, code: '2335-8', validMonths: 12 }, // gFOBT
      { system: LOINC, code: '77353-1', validMonths: 36 }, // FIT-DNA
    ],
    recommendation: 'USPSTF: screen adults 45-75 for colorectal cancer.',
  },
  {
    id: 'breast-cancer',
    title: 'Screening mammogram',
    applies: ({ age, sex }) => sex === 'female' && age >= 40 && age <= 74,
    evidence: [
      { system: SNOMED, code: '71651007', validMonths: 24 }, // Mammography
      { system: LOINC, code: '24606-6', validMonths: 24 }, // MG Breast Screening
    ],
    recommendation: 'USPSTF 2024: biennial screening mammography for women 40-74.',
  },
  {
    id: 'hba1c',
    title: 'HbA1c',
    applies: ({ diabetic }) => diabetic,
    evidence: [{ system: LOINC, code: '4548-4', validMonths: 6 }],
    recommendation: 'ADA: HbA1c at least twice a year in people with diabetes.',
  },
];

export interface OverdueScreening {
  id: string;
  title: string;
  recommendation: string;
  /** Date of the newest qualifying result, when there is one. */
  lastDone?: string;
}

function dateOf(resource: Observation | ProcedureLike): string | undefined {
  if (resource.resourceType === 'Procedure') {
    return resource.performedDateTime ?? resource.performedPeriod?.start;
  }
  const period = resource['effectivePeriod'] as { start?: string } | undefined;
  return resource.effectiveDateTime ?? period?.start ?? (resource['issued'] as string | undefined);
}

function addMonths(date: string, months: number): string {
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export interface ScreeningRecord {
  patient?: Patient;
  observations?: readonly Observation[];
  procedures?: readonly ProcedureLike[];
  conditions?: readonly Condition[];
}

/**
 * The screenings the patient is eligible for and has no current result for, on `today`
 * (YYYY-MM-DD). A result is current when its date plus the rule's interval is after `today`.
 */
export function findOverdueScreenings(record: ScreeningRecord, today: string): OverdueScreening[] {
  const age = ageOn(record.patient?.birthDate, today);
  if (age === undefined) return [];
  const diabetic = hasDiabetes(record.conditions ?? []);
  const done: (Observation | ProcedureLike)[] = [
    ...(record.observations ?? []).filter(
      (o) => o.status !== 'entered-in-error' && o.status !== 'cancelled',
    ),
    ...(record.procedures ?? []).filter((p) => p.status === undefined || p.status === 'completed'),
  ];
  const overdue: OverdueScreening[] = [];
  for (const rule of SCREENING_RULES) {
    if (!rule.applies({ age, sex: record.patient?.gender, diabetic })) continue;
    let newest: string | undefined;
    let current = false;
    for (const resource of done) {
      const concept = resource.code as CodeableConcept | undefined;
      const evidence = rule.evidence.find((e) =>
        concept?.coding?.some((c) => c.system === e.system && c.code === e.code),
      );
      const date = dateOf(resource);
      if (evidence === undefined || date === undefined) continue;
      if (newest === undefined || date > newest) newest = date;
      if (addMonths(date, evidence.validMonths) > today.slice(0, 10)) current = true;
    }
    if (!current) {
      overdue.push({
        id: rule.id,
        title: rule.title,
        recommendation: rule.recommendation,
        ...(newest === undefined ? {} : { lastDone: newest.slice(0, 10) }),
      });
    }
  }
  return overdue;
}

export interface CareGap {
  id: string;
  title: string;
  detail: string;
}

/**
 * Open care gaps: overdue screenings, and a statin gap (10-year ASCVD risk ≥ 7.5% with no active
 * statin, 2013 ACC/AHA).
 */
export function findCareGaps(record: ScreeningRecord & PatientRecord, today: string): CareGap[] {
  const gaps: CareGap[] = findOverdueScreenings(record, today).map((screening) => ({
    id: screening.id,
    title: `${screening.title} is due`,
    detail: screening.lastDone ? `Last done ${screening.lastDone}.` : 'No result on record.',
  }));
  const ascvd = extractAscvdInputs(record, today);
  if (
    ascvd.missing.length === 0 &&
    validateAscvdInput(ascvd.input).length === 0 &&
    !ascvd.onStatin
  ) {
    const result = calculateAscvdRisk(ascvd.input as AscvdInput);
    if (result.statinRecommended) {
      gaps.push({
        id: 'statin-therapy',
        title: 'Statin therapy not started',
        detail: `10-year ASCVD risk ${result.percent}% (≥ 7.5%) and no active statin.`,
      });
    }
  }
  return gaps;
}
