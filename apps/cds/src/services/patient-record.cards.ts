import { createCard, type CardInput, type CdsCard, type Coding } from '@bedside/cds-hooks';
import {
  calculateAscvdRisk,
  extractAscvdInputs,
  findCareGaps,
  findOverdueScreenings,
  hasDiabetes,
  latestQuantity,
  validateAscvdInput,
  type AscvdInput,
  type ProcedureLike,
} from '@bedside/clinical';
import type { Condition, MedicationRequest, Observation, Patient } from '@bedside/fhir-model';

import { hasAll, resourcesOf, type HookInput } from './hook-input.js';

export const TOPIC_SYSTEM = 'https://bedside.example.org/CodeSystem/card-topic';
export const OVERRIDE_SYSTEM = 'https://bedside.example.org/CodeSystem/override-reason';

const overrideReasons = (...reasons: [string, string][]): Coding[] =>
  reasons.map(([code, display]) => ({ system: OVERRIDE_SYSTEM, code, display }));

/** The record the patient rules read, from the prefetch keys shared by patient-view and appointment-book. */
export function patientRecord(input: HookInput) {
  const observations = [
    ...resourcesOf<Observation>(input.prefetch['observations'], 'Observation'),
    ...resourcesOf<Observation>(input.prefetch['hba1c'], 'Observation'),
  ];
  const unique = new Map(observations.map((o, i) => [o.id ?? `#${i}`, o]));
  const patient = resourcesOf<Patient>(input.prefetch['patient'], 'Patient')[0];
  return {
    ...(patient === undefined ? {} : { patient }),
    observations: [...unique.values()],
    conditions: resourcesOf<Condition>(input.prefetch['conditions'], 'Condition'),
    medications: resourcesOf<MedicationRequest>(input.prefetch['medications'], 'MedicationRequest'),
    procedures: resourcesOf<ProcedureLike>(input.prefetch['procedures'], 'Procedure'),
  };
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/**
 * ADA: HbA1c target < 7% for most adults with diabetes, tested at least every 6 months.
 * (cds-hooks.md 17.3: the discovery example's diabetes card.)
 */
export function hba1cCard(input: HookInput): CdsCard | undefined {
  if (
    !hasAll(input, ['conditions']) ||
    !('hba1c' in input.prefetch || 'observations' in input.prefetch)
  ) {
    return undefined;
  }
  const record = patientRecord(input);
  if (!hasDiabetes(record.conditions)) return undefined;
  const latest = latestQuantity(record.observations, '4548-4');
  if (latest?.value.value === undefined || latest.date === undefined) return undefined;
  const value = latest.value.value;
  const date = latest.date.slice(0, 10);
  const aboveTarget = value > 7;
  const old = addMonths(date, 6) < input.today;
  if (!aboveTarget && !old) return undefined;
  const problems =
    aboveTarget && old
      ? 'is above the 7% target and over 6 months old'
      : aboveTarget
        ? 'is above the 7% target'
        : 'is over 6 months old';
  return createCard(
    {
      summary: `HbA1c ${value}% on ${date} ${problems}`,
      detail: [
        'Type 2 diabetes is on the active problem list.',
        '',
        '| Test | Date | Value |',
        '|---|---|---|',
        `| HbA1c | ${date} | **${value} %** |`,
        '',
        'Consider repeating HbA1c and reviewing therapy.',
      ].join('\n'),
      indicator: 'warning',
      source: {
        label: 'Bedside Diabetes Guidance',
        topic: {
          system: TOPIC_SYSTEM,
          code: 'chronic-disease-monitoring',
          display: 'Chronic disease monitoring',
        },
      },
      overrideReasons: overrideReasons(
        ['ordered-elsewhere', 'Test already ordered elsewhere'],
        ['patient-declined', 'Patient declined'],
      ),
    },
    { randomUUID: input.newUuid, allowHttpUrls: true },
  );
}

/**
 * 10-year ASCVD risk (2013 ACC/AHA Pooled Cohort Equations); at ≥ 7.5% without an active statin,
 * a statin suggestion (a draft MedicationRequest the clinician can accept).
 */
export function ascvdCard(input: HookInput): CdsCard | undefined {
  if (!hasAll(input, ['patient', 'observations', 'conditions', 'medications'])) return undefined;
  const record = patientRecord(input);
  const extracted = extractAscvdInputs(record, input.today);
  const age = extracted.input.age;
  if (age === undefined || age < 40 || age > 79) return undefined;
  const source = {
    label: 'Bedside Cardiovascular Risk (2013 ACC/AHA Pooled Cohort Equations)',
    topic: { system: TOPIC_SYSTEM, code: 'ascvd-risk', display: 'Cardiovascular risk' },
  };
  if (extracted.missing.length > 0 || validateAscvdInput(extracted.input).length > 0) {
    const problems =
      extracted.missing.length > 0
        ? `missing ${extracted.missing.join(', ')}`
        : validateAscvdInput(extracted.input)
            .map((issue) => `${issue.field} ${issue.message}`)
            .join('; ');
    return createCard(
      {
        summary: '10-year ASCVD risk cannot be calculated from the record',
        detail: `The Pooled Cohort Equations need total and HDL cholesterol, systolic blood pressure and smoking status: ${problems}.`,
        indicator: 'info',
        source,
      },
      { randomUUID: input.newUuid },
    );
  }
  const result = calculateAscvdRisk(extracted.input as AscvdInput);
  const ascvdInput = extracted.input as AscvdInput;
  const detail = [
    `| Input | Value |`,
    `|---|---|`,
    `| Age, sex | ${ascvdInput.age}, ${ascvdInput.sex} |`,
    `| Total cholesterol | ${ascvdInput.totalCholesterol} mg/dL (${extracted.evidence.totalCholesterol?.date?.slice(0, 10) ?? 'undated'}) |`,
    `| HDL cholesterol | ${ascvdInput.hdlCholesterol} mg/dL (${extracted.evidence.hdlCholesterol?.date?.slice(0, 10) ?? 'undated'}) |`,
    `| Systolic BP | ${ascvdInput.systolicBloodPressure} mmHg${ascvdInput.treatedForHypertension ? ', treated' : ''} |`,
    `| Smoker | ${ascvdInput.smoker ? 'yes' : 'no'} |`,
    `| Diabetes | ${ascvdInput.diabetic ? 'yes' : 'no'} |`,
  ].join('\n');
  if (result.statinRecommended && !extracted.onStatin) {
    const patientId = String(input.request.context['patientId']);
    const card: CardInput = {
      summary: `10-year ASCVD risk ${result.percent}% (≥ 7.5%) and no statin: consider a moderate-intensity statin`,
      detail: `${detail}\n\n2013 ACC/AHA: adults 40-75 with a 10-year risk of 7.5% or more benefit from moderate- to high-intensity statin therapy. Discuss with the patient.`,
      indicator: 'warning',
      source,
      suggestions: [
        {
          label: 'Order atorvastatin 20 mg daily',
          isRecommended: true,
          actions: [
            {
              type: 'create',
              description: 'Add a draft order for atorvastatin 20 mg daily',
              resource: {
                resourceType: 'MedicationRequest',
                status: 'draft',
                intent: 'order',
                medicationCodeableConcept: {
                  coding: [
                    {
                      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
                      code: '83367',
                      display: 'atorvastatin',
                    },
                  ],
                  text: 'atorvastatin 20 mg tablet',
                },
                subject: { reference: `Patient/${patientId}` },
                dosageInstruction: [{ text: '20 mg by mouth once daily' }],
              },
            },
          ],
        },
      ],
      selectionBehavior: 'at-most-one',
      overrideReasons: overrideReasons(
        ['patient-declined', 'Patient declined'],
        ['statin-intolerant', 'Statin intolerance'],
        ['shared-decision', 'Deferred after shared decision-making'],
      ),
    };
    return createCard(card, { randomUUID: input.newUuid });
  }
  return createCard(
    {
      summary: `10-year ASCVD risk ${result.percent}% (${result.category})${extracted.onStatin ? ', on a statin' : ''}`,
      detail,
      indicator: 'info',
      source,
    },
    { randomUUID: input.newUuid },
  );
}

/** Screenings the patient is due for (USPSTF/ADA intervals). */
export function overdueScreeningsCard(
  input: HookInput,
  exclude: readonly string[] = [],
): CdsCard | undefined {
  if (!hasAll(input, ['patient', 'observations', 'conditions'])) return undefined;
  const overdue = findOverdueScreenings(patientRecord(input), input.today).filter(
    (screening) => !exclude.includes(screening.id),
  );
  if (overdue.length === 0) return undefined;
  const names = overdue.map((s) => s.title.toLowerCase()).join(', ');
  const summary = `Overdue: ${names}`;
  return createCard(
    {
      summary: summary.length < 140 ? summary : `${overdue.length} screenings are overdue`,
      detail: overdue
        .map(
          (s) =>
            `- **${s.title}**: ${s.lastDone ? `last ${s.lastDone}` : 'none on record'}. ${s.recommendation}`,
        )
        .join('\n'),
      indicator: 'info',
      source: {
        label: 'Bedside Preventive Care',
        topic: { system: TOPIC_SYSTEM, code: 'preventive-care', display: 'Preventive care' },
      },
      overrideReasons: overrideReasons(
        ['done-elsewhere', 'Done elsewhere'],
        ['patient-declined', 'Patient declined'],
      ),
    },
    { randomUUID: input.newUuid },
  );
}

/** A link card that opens the Bedside app on this patient (SMART EHR launch, LINK-2). */
export function appLinkCard(input: HookInput): CdsCard {
  const patientId = String(input.request.context['patientId']);
  return createCard(
    {
      summary: 'Open the Bedside patient summary',
      detail: 'Vitals, labs, problems and medications on one page, with the ASCVD risk inputs.',
      indicator: 'info',
      source: { label: 'Bedside' },
      links: [
        {
          label: 'Open Bedside',
          url: input.appLaunchUrl,
          type: 'smart',
          appContext: { patient: patientId, view: 'summary' },
        },
      ],
    },
    { randomUUID: input.newUuid, allowHttpUrls: true },
  );
}

/** appointment-book: a reminder of the open care gaps to close at the visit. */
export function careGapsCard(input: HookInput): CdsCard | undefined {
  if (!hasAll(input, ['patient', 'observations', 'conditions', 'medications'])) return undefined;
  const gaps = findCareGaps(patientRecord(input), input.today);
  if (gaps.length === 0) return undefined;
  return createCard(
    {
      summary: `${gaps.length} open care gap${gaps.length === 1 ? '' : 's'} to address at this appointment`,
      detail: gaps.map((gap) => `- **${gap.title}**: ${gap.detail}`).join('\n'),
      indicator: 'info',
      source: {
        label: 'Bedside Preventive Care',
        topic: { system: TOPIC_SYSTEM, code: 'care-gaps', display: 'Care gaps' },
      },
    },
    { randomUUID: input.newUuid },
  );
}

/** Shown when some data could not be read within the hook's deadline (cds-hooks.md §16). */
export function degradedCard(input: HookInput, reason: string): CdsCard {
  return createCard(
    {
      summary: 'Some Bedside checks did not run: the patient record could not be read in time',
      detail: `Not checked because ${reason}: ${input.unavailable.join(', ')}. The other cards are complete.`,
      indicator: 'info',
      source: { label: 'Bedside' },
    },
    { randomUUID: input.newUuid },
  );
}
