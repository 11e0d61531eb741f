import {
  createCard,
  createSystemAction,
  type CdsCard,
  type CdsSystemAction,
  type FhirBundle,
  type FhirResource,
  type SuggestionInput,
} from '@bedside/cds-hooks';
import {
  findDrugAllergyConflicts,
  findDuplicateTherapies,
  identifyMedication,
  type DrugAllergyConflict,
  type DuplicateTherapy,
} from '@bedside/clinical';
import type { AllergyIntolerance, CodeableConcept, MedicationRequest } from '@bedside/fhir-model';

import { hasAll, resourcesOf, type HookInput } from './hook-input.js';
import { OVERRIDE_SYSTEM, TOPIC_SYSTEM } from './patient-record.cards.js';

/** Orders this call is about: the selections for order-select, every draft for order-sign. */
export function ordersInScope(input: HookInput): FhirResource[] {
  const bundle = input.request.context['draftOrders'] as FhirBundle | undefined;
  const all = (bundle?.entry ?? [])
    .map((entry) => entry.resource)
    .filter((resource): resource is FhirResource => resource !== undefined);
  if (input.request.hook !== 'order-select') return all;
  const selections = new Set((input.request.context['selections'] as string[] | undefined) ?? []);
  return all.filter((resource) => selections.has(`${resource.resourceType}/${resource.id ?? ''}`));
}

function allDraftMedications(input: HookInput): MedicationRequest[] {
  const bundle = input.request.context['draftOrders'] as FhirBundle | undefined;
  return resourcesOf<MedicationRequest>(bundle as never, 'MedicationRequest');
}

/** The ingredient for short texts ("amoxicillin order"), else the order's text. */
function ingredientName(order: MedicationRequest): string {
  return identifyMedication(order.medicationCodeableConcept).ingredients[0] ?? drugName(order);
}

function drugName(order: MedicationRequest): string {
  const concept = order.medicationCodeableConcept;
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? 'the medication';
}

/** Alternatives for a drug class allergy (illustrative, not clinical advice). */
const ALTERNATIVES: Readonly<
  Record<string, { label: string; name: string; text: string; dosage: string }>
> = {
  penicillin: {
    label: 'Replace with azithromycin 500 mg on day 1, then 250 mg daily',
    name: 'azithromycin',
    text: 'azithromycin 250 mg tablet',
    dosage: '500 mg by mouth on day 1, then 250 mg once daily on days 2 to 5',
  },
};

const safetySource = (code: string, display: string) => ({
  label: 'Bedside Medication Safety',
  topic: { system: TOPIC_SYSTEM, code, display },
});

function allergyCard(input: HookInput, conflict: DrugAllergyConflict): CdsCard {
  const order = conflict.order;
  const orderRef = `MedicationRequest/${order.id ?? ''}`;
  const allergen =
    conflict.matchedOn.kind === 'class'
      ? conflict.matchedOn.drugClass
      : conflict.matchedOn.ingredient;
  const drug = drugName(order);
  const ingredient = ingredientName(order);
  const remove = {
    type: 'delete' as const,
    description: `Remove the draft ${ingredient} order`,
    resourceId: orderRef,
  };
  const suggestions: SuggestionInput[] = [];
  const alternative =
    conflict.matchedOn.kind === 'class' ? ALTERNATIVES[conflict.matchedOn.drugClass] : undefined;
  if (alternative) {
    const { id: _id, meta: _meta, ...rest } = order;
    suggestions.push({
      label: alternative.label,
      isRecommended: true,
      actions: [
        remove,
        {
          type: 'create',
          description: `Add a draft ${alternative.name} order`,
          resource: {
            ...rest,
            resourceType: 'MedicationRequest',
            id: `${order.id ?? 'draft'}-alt`,
            status: 'draft',
            medicationCodeableConcept: { text: alternative.text },
            dosageInstruction: [{ text: alternative.dosage }],
          },
        },
      ],
    });
  }
  suggestions.push({ label: `Remove the ${ingredient} order`, actions: [remove] });
  const criticality = conflict.allergy.criticality === 'high' ? ' (high criticality)' : '';
  const allergyText = conceptText(conflict.allergy.code) ?? `${allergen} allergy`;
  const summary = `${capitalise(allergen)} allergy${criticality}: ${ingredient} order may cause a reaction`;
  return createCard(
    {
      summary:
        summary.length < 140
          ? summary
          : `Allergy: ${drug} order may cause a reaction`.slice(0, 139),
      detail: `Active${confirmed(conflict.allergy) ? ', confirmed' : ''} **${allergen}** allergy (AllergyIntolerance/${conflict.allergy.id ?? ''}: ${allergyText}). Draft order *${drug}* ${
        conflict.matchedOn.kind === 'class' ? `is a ${allergen}-class drug` : `contains ${allergen}`
      }.`,
      indicator: conflict.severity === 'high' ? 'critical' : 'warning',
      source: safetySource('drug-allergy', 'Drug-allergy interaction'),
      suggestions,
      selectionBehavior: 'at-most-one',
      overrideReasons: [
        {
          system: OVERRIDE_SYSTEM,
          code: 'tolerated-before',
          display: 'Patient has tolerated this drug before',
        },
        {
          system: OVERRIDE_SYSTEM,
          code: 'benefit-outweighs-risk',
          display: 'Benefit outweighs risk',
        },
      ],
    },
    { randomUUID: input.newUuid },
  );
}

function duplicateCard(input: HookInput, duplicate: DuplicateTherapy): CdsCard {
  const drug = drugName(duplicate.order);
  const existing = drugName(duplicate.existing);
  const why =
    duplicate.matchedOn.kind === 'class'
      ? `both are ${duplicate.matchedOn.drugClass}s`
      : `both contain ${duplicate.matchedOn.ingredient}`;
  const summary = `Duplicate therapy: ${drug} and ${existing} (${why})`;
  return createCard(
    {
      summary: summary.length < 140 ? summary : `Duplicate therapy: ${why}`.slice(0, 139),
      detail: `Draft order *${drug}* duplicates ${duplicate.existing.status === 'draft' ? 'the draft' : 'the active'} order *${existing}* (MedicationRequest/${duplicate.existing.id ?? ''}).`,
      indicator: 'warning',
      source: safetySource('duplicate-therapy', 'Duplicate therapy'),
      suggestions: [
        {
          label: `Remove the ${drug} order`,
          isRecommended: true,
          actions: [
            {
              type: 'delete',
              description: `Remove the draft ${drug} order`,
              resourceId: `MedicationRequest/${duplicate.order.id ?? ''}`,
            },
          ],
        },
      ],
      selectionBehavior: 'at-most-one',
      overrideReasons: [
        {
          system: OVERRIDE_SYSTEM,
          code: 'intended-combination',
          display: 'Combination is intended',
        },
        {
          system: OVERRIDE_SYSTEM,
          code: 'replacing-existing',
          display: 'Replacing the existing medication',
        },
      ],
    },
    { randomUUID: input.newUuid },
  );
}

function confirmed(allergy: AllergyIntolerance): boolean {
  const verification = allergy['verificationStatus'] as CodeableConcept | undefined;
  return verification?.coding?.some((coding) => coding.code === 'confirmed') ?? false;
}

function conceptText(concept: CodeableConcept | undefined): string | undefined {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface OrderChecks {
  cards: CdsCard[];
  systemActions: CdsSystemAction[];
}

/** Drug-allergy and duplicate-therapy checks on the draft medication orders in scope. */
export function medicationSafety(input: HookInput): OrderChecks {
  const orders = ordersInScope(input).filter(
    (resource): resource is MedicationRequest & FhirResource =>
      resource.resourceType === 'MedicationRequest',
  );
  const result: OrderChecks = { cards: [], systemActions: [] };
  if (orders.length === 0) return result;
  if (hasAll(input, ['allergies'])) {
    const allergies = resourcesOf<AllergyIntolerance>(
      input.prefetch['allergies'],
      'AllergyIntolerance',
    );
    for (const conflict of findDrugAllergyConflicts(orders, allergies)) {
      result.cards.push(allergyCard(input, conflict));
      if (input.request.hook === 'order-sign') {
        result.systemActions.push(
          createSystemAction({
            type: 'create',
            description: 'Record the detected drug-allergy issue',
            resource: {
              resourceType: 'DetectedIssue',
              id: `bedside-di-${conflict.order.id ?? ''}-${conflict.allergy.id ?? ''}`,
              status: 'preliminary',
              severity: conflict.severity === 'high' ? 'high' : 'moderate',
              code: { text: 'Drug-allergy interaction' },
              patient: { reference: `Patient/${String(input.request.context['patientId'])}` },
              implicated: [
                { reference: `MedicationRequest/${conflict.order.id ?? ''}` },
                { reference: `AllergyIntolerance/${conflict.allergy.id ?? ''}` },
              ],
              detail: `Draft ${ingredientName(conflict.order)} order conflicts with an active ${
                conflict.matchedOn.kind === 'class'
                  ? conflict.matchedOn.drugClass
                  : conflict.matchedOn.ingredient
              } allergy.`,
            },
          }),
        );
      }
    }
  }
  if (hasAll(input, ['activeMeds'])) {
    const active = resourcesOf<MedicationRequest>(
      input.prefetch['activeMeds'],
      'MedicationRequest',
    );
    const otherDrafts = allDraftMedications(input).filter((draft) => !orders.includes(draft));
    for (const duplicate of findDuplicateTherapies(orders, [...active, ...otherDrafts])) {
      result.cards.push(duplicateCard(input, duplicate));
    }
  }
  return result;
}

const CRD_COVERAGE_INFORMATION =
  'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information';
const ADVANCED_IMAGING = /\b(mri|magnetic resonance|ct|computed tomography|pet|positron)\b/i;
const IMAGING_CATEGORY = '363679005';

function isImaging(order: FhirResource): boolean {
  const categories = (order['category'] ?? []) as CodeableConcept[];
  if (categories.some((c) => c.coding?.some((coding) => coding.code === IMAGING_CATEGORY)))
    return true;
  return ADVANCED_IMAGING.test(conceptText(order['code'] as CodeableConcept | undefined) ?? '');
}

/**
 * Da Vinci CRD: for imaging ServiceRequests, a coverage-information system action (an update of
 * the order that only adds the extension: CRD resp-37) and, when prior authorization is needed,
 * a card saying so. Advanced imaging (MRI, CT, PET) needs it; plain radiographs do not.
 */
export function priorAuthorization(input: HookInput): OrderChecks {
  const result: OrderChecks = { cards: [], systemActions: [] };
  const imaging = ordersInScope(input).filter(
    (resource) => resource.resourceType === 'ServiceRequest' && isImaging(resource),
  );
  if (imaging.length === 0) return result;
  const coverage = resourcesOf<FhirResource & { payor?: { display?: string }[] }>(
    input.prefetch['coverage'],
    'Coverage',
  )[0];
  const payer = coverage?.payor?.[0]?.display ?? 'the patient’s insurer';
  for (const order of imaging) {
    const text = conceptText(order['code'] as CodeableConcept | undefined) ?? 'imaging study';
    const needsAuth = ADVANCED_IMAGING.test(text);
    if (coverage?.id !== undefined) {
      const assertion = input.newUuid();
      const existing = (order['extension'] ?? []) as unknown[];
      result.systemActions.push(
        createSystemAction({
          type: 'update',
          description: `Record coverage information for ${text}`,
          resource: {
            ...order,
            extension: [
              ...existing,
              {
                url: CRD_COVERAGE_INFORMATION,
                extension: [
                  { url: 'coverage', valueReference: { reference: `Coverage/${coverage.id}` } },
                  { url: 'covered', valueCode: 'covered' },
                  { url: 'pa-needed', valueCode: needsAuth ? 'auth-needed' : 'no-auth' },
                  ...(needsAuth ? [{ url: 'doc-needed', valueCode: 'clinical' }] : []),
                  { url: 'date', valueDate: input.today },
                  { url: 'coverage-assertion-id', valueString: assertion },
                ],
              },
            ],
          },
        }),
      );
    }
    if (needsAuth) {
      const summary = `Prior authorization required by ${payer} for ${text}`;
      result.cards.push(
        createCard(
          {
            summary:
              summary.length < 140
                ? summary
                : `Prior authorization required for ${text}`.slice(0, 139),
            detail: `${text} (ServiceRequest/${order.id ?? ''}) needs prior authorization${
              coverage ? ` under Coverage/${coverage.id ?? ''}` : ''
            }. Clinical documentation is required with the request.${
              coverage ? '' : '\n\nNo active coverage is on record: check the patient’s insurance.'
            }`,
            indicator: 'warning',
            source: {
              label: coverage?.payor?.[0]?.display ?? 'Bedside Coverage Requirements',
              topic: {
                system: 'http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp',
                code: 'prior-auth',
                display: 'Prior authorization',
              },
            },
          },
          { randomUUID: input.newUuid },
        ),
      );
    }
  }
  return result;
}
