import type { FhirBundle, FhirResource } from './types.js';

/**
 * How one context field is shaped:
 * - `user-reference`: `Type/id` whose type is one of `referenceTypes` (the hook's `userId`);
 * - `id`: a FHIR id (`patientId`, `encounterId`), never a `Type/id` reference;
 * - `reference` / `reference-list`: `Type/id` / a non-empty array of them;
 * - `bundle`: a FHIR Bundle with at least one entry (entries of `resourceType`, when set);
 * - `resource-list`: a non-empty array of resources (of `resourceType`, when set).
 */
export type CdsHookFieldKind =
  | 'user-reference'
  | 'id'
  | 'reference'
  | 'reference-list'
  | 'bundle'
  | 'resource-list';

export interface CdsHookFieldDefinition {
  kind: CdsHookFieldKind;
  required: boolean;
  /** "Prefetch Token: Yes" in the Hook Library: `{{context.<field>}}` may be used in templates. */
  prefetchToken: boolean;
  referenceTypes?: readonly string[];
  resourceType?: string;
  /** For `reference-list`: every entry must name a resource inside this Bundle field. */
  pointsInto?: string;
}

export interface CdsHookDefinition {
  hook: string;
  hookVersion: string;
  /** Hook Library maturity level (0 Draft … 5). */
  maturity: number;
  /** Replacement hooks when the Hook Library deprecates this one. */
  deprecatedInFavourOf?: readonly string[];
  context: Readonly<Record<string, CdsHookFieldDefinition>>;
}

const CLINICIANS = ['Practitioner', 'PractitionerRole'] as const;
const CLINICIANS_PATIENTS = [
  'Practitioner',
  'PractitionerRole',
  'Patient',
  'RelatedPerson',
] as const;

const patientId: CdsHookFieldDefinition = { kind: 'id', required: true, prefetchToken: true };
const optionalEncounterId: CdsHookFieldDefinition = {
  kind: 'id',
  required: false,
  prefetchToken: true,
};
const requiredEncounterId: CdsHookFieldDefinition = {
  kind: 'id',
  required: true,
  prefetchToken: true,
};

function userId(referenceTypes: readonly string[]): CdsHookFieldDefinition {
  return { kind: 'user-reference', required: true, prefetchToken: true, referenceTypes };
}

function bundle(resourceType?: string): CdsHookFieldDefinition {
  return resourceType === undefined
    ? { kind: 'bundle', required: true, prefetchToken: false }
    : { kind: 'bundle', required: true, prefetchToken: false, resourceType };
}

/**
 * Context definitions from the CDS Hooks Hook Library 1.0.1 (`input/pagecontent/<hook>.md`),
 * keyed by hook id. Hooks not listed here are validated generically (context is a non-empty
 * object). See cds-hooks.md §4.
 */
export const CDS_HOOKS = {
  'patient-view': {
    hook: 'patient-view',
    hookVersion: '1.0',
    maturity: 5,
    context: {
      userId: userId(CLINICIANS_PATIENTS),
      patientId,
      encounterId: optionalEncounterId,
    },
  },
  'order-select': {
    hook: 'order-select',
    hookVersion: '1.0',
    maturity: 4,
    context: {
      userId: userId(CLINICIANS),
      patientId,
      encounterId: optionalEncounterId,
      selections: {
        kind: 'reference-list',
        required: true,
        prefetchToken: false,
        pointsInto: 'draftOrders',
      },
      draftOrders: bundle(),
    },
  },
  'order-sign': {
    hook: 'order-sign',
    hookVersion: '1.0',
    maturity: 5,
    context: {
      userId: userId(CLINICIANS),
      patientId,
      encounterId: optionalEncounterId,
      draftOrders: bundle(),
    },
  },
  'appointment-book': {
    hook: 'appointment-book',
    hookVersion: '1.0',
    maturity: 1,
    context: {
      userId: userId(CLINICIANS_PATIENTS),
      patientId,
      encounterId: optionalEncounterId,
      appointments: bundle('Appointment'),
    },
  },
  'encounter-start': {
    hook: 'encounter-start',
    hookVersion: '1.0',
    maturity: 1,
    context: { userId: userId(CLINICIANS), patientId, encounterId: requiredEncounterId },
  },
  'encounter-discharge': {
    hook: 'encounter-discharge',
    hookVersion: '1.0',
    maturity: 1,
    context: { userId: userId(CLINICIANS), patientId, encounterId: requiredEncounterId },
  },
  'medication-prescribe': {
    hook: 'medication-prescribe',
    hookVersion: '1.0',
    maturity: 2,
    deprecatedInFavourOf: ['order-select', 'order-sign'],
    context: {
      userId: userId(['Practitioner']),
      patientId,
      encounterId: optionalEncounterId,
      medications: bundle(),
    },
  },
  'order-review': {
    hook: 'order-review',
    hookVersion: '1.0',
    maturity: 3,
    deprecatedInFavourOf: ['order-sign'],
    context: {
      userId: userId(['Practitioner']),
      patientId,
      encounterId: optionalEncounterId,
      orders: bundle(),
    },
  },
  'order-dispatch': {
    hook: 'order-dispatch',
    hookVersion: '1.1',
    maturity: 0,
    context: {
      patientId,
      dispatchedOrders: { kind: 'reference-list', required: true, prefetchToken: true },
      performer: { kind: 'reference', required: true, prefetchToken: true },
      fulfillmentTasks: {
        kind: 'resource-list',
        required: false,
        prefetchToken: false,
        resourceType: 'Task',
      },
    },
  },
} as const satisfies Record<string, CdsHookDefinition>;

/** Ids of the hooks this library knows the context of. */
export type CdsHookId = keyof typeof CDS_HOOKS;

/** The definition of a known hook, or `undefined` for other (e.g. organisation-specific) hooks. */
export function getHookDefinition(hook: string): CdsHookDefinition | undefined {
  return Object.hasOwn(CDS_HOOKS, hook) ? CDS_HOOKS[hook as CdsHookId] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Context types (Hook Library 1.0.1)

export interface PatientViewContext {
  /** `Practitioner/…`, `PractitionerRole/…`, `Patient/…` or `RelatedPerson/…`. */
  userId: string;
  patientId: string;
  encounterId?: string;
  [key: string]: unknown;
}

export interface OrderSelectContext {
  /** `Practitioner/…` or `PractitionerRole/…`. */
  userId: string;
  patientId: string;
  encounterId?: string;
  /** `Type/id` of the newly selected orders, all inside `draftOrders`. */
  selections: string[];
  draftOrders: FhirBundle;
  [key: string]: unknown;
}

export interface OrderSignContext {
  /** `Practitioner/…` or `PractitionerRole/…`. */
  userId: string;
  patientId: string;
  encounterId?: string;
  draftOrders: FhirBundle;
  [key: string]: unknown;
}

export interface AppointmentBookContext {
  userId: string;
  patientId: string;
  /** The encounter where the booking was initiated. */
  encounterId?: string;
  /** Bundle of proposed Appointments. */
  appointments: FhirBundle;
  [key: string]: unknown;
}

export interface EncounterStartContext {
  userId: string;
  patientId: string;
  encounterId: string;
  [key: string]: unknown;
}

export type EncounterDischargeContext = EncounterStartContext;

/** Deprecated by the Hook Library in favour of order-select and order-sign. */
export interface MedicationPrescribeContext {
  /** `Practitioner/…`. */
  userId: string;
  patientId: string;
  encounterId?: string;
  /** Bundle of draft MedicationOrder (DSTU2) or MedicationRequest (STU3+). */
  medications: FhirBundle;
  [key: string]: unknown;
}

/** Deprecated by the Hook Library in favour of order-sign. */
export interface OrderReviewContext {
  userId: string;
  patientId: string;
  encounterId?: string;
  orders: FhirBundle;
  [key: string]: unknown;
}

export interface OrderDispatchContext {
  patientId: string;
  dispatchedOrders: string[];
  performer: string;
  fulfillmentTasks?: FhirResource[];
  [key: string]: unknown;
}

export interface CdsHookContextMap {
  'patient-view': PatientViewContext;
  'order-select': OrderSelectContext;
  'order-sign': OrderSignContext;
  'appointment-book': AppointmentBookContext;
  'encounter-start': EncounterStartContext;
  'encounter-discharge': EncounterDischargeContext;
  'medication-prescribe': MedicationPrescribeContext;
  'order-review': OrderReviewContext;
  'order-dispatch': OrderDispatchContext;
}
