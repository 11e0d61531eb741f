import type { CdsCard, CdsServiceDefinition, CdsSystemAction } from '@bedside/cds-hooks';

import type { HookInput } from './hook-input.js';
import { medicationSafety, priorAuthorization } from './order.cards.js';
import {
  appLinkCard,
  ascvdCard,
  careGapsCard,
  hba1cCard,
  overdueScreeningsCard,
} from './patient-record.cards.js';

/** One CDS service: its discovery entry, the prefetch keys it cannot work without, its rules. */
export interface CdsServiceSpec {
  definition: CdsServiceDefinition & { prefetch: Record<string, string> };
  /** Absent and not fetchable ⇒ 412 (PF-11). Other keys are used when available. */
  required: readonly string[];
  run(input: HookInput): { cards: CdsCard[]; systemActions?: CdsSystemAction[] };
}

const RECORD_CODES = [
  '2093-3', // total cholesterol
  '2085-9', // HDL
  '85354-9', // blood pressure panel
  '8480-6', // systolic
  '72166-2', // smoking status
  '4548-4', // HbA1c
  '57698-3', // lipid panel
  '29771-3', // FIT
  '2335-8', // gFOBT
  '77353-1', // FIT-DNA
  '24606-6', // screening mammogram
].join(',');

const patientRecordPrefetch = {
  patient: 'Patient/{{context.patientId}}',
  observations: `Observation?patient={{context.patientId}}&code=${RECORD_CODES}&_sort=-date`,
  conditions: 'Condition?patient={{context.patientId}}&clinical-status=active',
  medications: 'MedicationRequest?patient={{context.patientId}}&status=active',
  procedures: 'Procedure?patient={{context.patientId}}&status=completed',
};

const orderPrefetch = {
  patient: 'Patient/{{context.patientId}}',
  allergies: 'AllergyIntolerance?patient={{context.patientId}}&clinical-status=active',
  activeMeds: 'MedicationRequest?patient={{context.patientId}}&status=active',
  coverage: 'Coverage?patient={{context.patientId}}&status=active',
};

const orderUsage =
  'Without prefetch, needs fhirServer plus fhirAuthorization granting read access to AllergyIntolerance, MedicationRequest and Coverage.';

function orderChecks(input: HookInput) {
  const safety = medicationSafety(input);
  const coverage = priorAuthorization(input);
  return {
    cards: [...safety.cards, ...coverage.cards],
    systemActions: [...safety.systemActions, ...coverage.systemActions],
  };
}

/** The services Bedside's CDS service offers, in discovery order. */
export const CDS_SERVICES: readonly CdsServiceSpec[] = [
  {
    definition: {
      hook: 'patient-view',
      id: 'bedside-patient-view',
      title: 'Bedside preventive cardiology and screening',
      description:
        'When a chart opens: 10-year ASCVD risk with a statin suggestion when it is 7.5% or more and no statin is active, HbA1c follow-up in diabetes, overdue screenings, and a link to the Bedside app.',
      prefetch: {
        ...patientRecordPrefetch,
        hba1c: 'Observation?patient={{context.patientId}}&code=4548-4&_sort=-date&_count=1',
      },
      usageRequirements:
        'Without prefetch, needs fhirServer plus fhirAuthorization granting read access to Patient, Observation, Condition, MedicationRequest and Procedure.',
    },
    required: ['patient', 'observations', 'conditions', 'medications'],
    run(input) {
      const hba1c = hba1cCard(input);
      const cards = [
        ascvdCard(input),
        hba1c,
        overdueScreeningsCard(input, hba1c ? ['hba1c'] : []),
        appLinkCard(input),
      ].filter((card): card is CdsCard => card !== undefined);
      return { cards };
    },
  },
  {
    definition: {
      hook: 'order-select',
      id: 'bedside-order-select',
      title: 'Bedside order checks',
      description:
        'When orders are selected: drug-allergy and duplicate-therapy checks, and prior-authorization requirements for advanced imaging.',
      prefetch: orderPrefetch,
      usageRequirements: orderUsage,
    },
    required: ['allergies', 'activeMeds'],
    run: orderChecks,
  },
  {
    definition: {
      hook: 'order-sign',
      id: 'bedside-order-sign',
      title: 'Bedside medication safety',
      description:
        'Checks draft orders before signing: drug-allergy and duplicate-therapy conflicts (with suggestions that remove or replace the order) and coverage requirements for imaging.',
      prefetch: orderPrefetch,
      usageRequirements: orderUsage,
    },
    required: ['allergies', 'activeMeds'],
    run: orderChecks,
  },
  {
    definition: {
      hook: 'appointment-book',
      id: 'bedside-appointment-book',
      title: 'Bedside care gaps',
      description: 'When an appointment is booked: a reminder of the patient’s open care gaps.',
      prefetch: patientRecordPrefetch,
    },
    required: ['patient', 'observations', 'conditions', 'medications'],
    run(input) {
      const card = careGapsCard(input);
      return { cards: card ? [card] : [] };
    },
  },
];
