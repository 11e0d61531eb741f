import type { AllergyIntolerance, CodeableConcept, MedicationRequest } from '@bedside/fhir-model';

import { identifyAllergen, identifyMedication, type DrugClass } from './medications.js';

export interface DrugAllergyConflict {
  order: MedicationRequest;
  allergy: AllergyIntolerance;
  /** What the order and the allergy share: an ingredient name or a drug class. */
  matchedOn: { kind: 'ingredient'; ingredient: string } | { kind: 'class'; drugClass: DrugClass };
  /** `high` when the allergy's criticality is high. */
  severity: 'high' | 'moderate';
}

function codeOf(concept: CodeableConcept | undefined): string | undefined {
  return concept?.coding?.[0]?.code;
}

/**
 * An allergy counts unless its clinical status says inactive/resolved or its verification status
 * says refuted or entered-in-error.
 */
export function isAllergyActive(allergy: AllergyIntolerance): boolean {
  const clinical = codeOf(allergy.clinicalStatus);
  const verification = codeOf(allergy['verificationStatus'] as CodeableConcept | undefined);
  if (clinical !== undefined && clinical !== 'active') return false;
  return verification !== 'refuted' && verification !== 'entered-in-error';
}

/**
 * Checks each medication order against the patient's active drug allergies: same ingredient, or
 * an ingredient of an allergy's drug class (e.g. amoxicillin vs a penicillin allergy).
 */
export function findDrugAllergyConflicts(
  orders: readonly MedicationRequest[],
  allergies: readonly AllergyIntolerance[],
): DrugAllergyConflict[] {
  const active = allergies
    .filter(isAllergyActive)
    .map((allergy) => ({ allergy, allergen: identifyAllergen(allergy.code) }));
  const conflicts: DrugAllergyConflict[] = [];
  for (const order of orders) {
    const drug = identifyMedication(order.medicationCodeableConcept);
    for (const { allergy, allergen } of active) {
      const severity = allergy.criticality === 'high' ? 'high' : 'moderate';
      const ingredient = drug.ingredients.find((name) => allergen.ingredients.includes(name));
      if (ingredient !== undefined) {
        conflicts.push({ order, allergy, matchedOn: { kind: 'ingredient', ingredient }, severity });
        continue;
      }
      const drugClass = drug.classes.find((cls) => allergen.classes.includes(cls));
      if (drugClass !== undefined) {
        conflicts.push({ order, allergy, matchedOn: { kind: 'class', drugClass }, severity });
      }
    }
  }
  return conflicts;
}

export interface DuplicateTherapy {
  order: MedicationRequest;
  existing: MedicationRequest;
  matchedOn: { kind: 'ingredient'; ingredient: string } | { kind: 'class'; drugClass: DrugClass };
}

/** MedicationRequest statuses that mean the patient is (or will be) taking the drug. */
const CURRENT_STATUSES = new Set(['active', 'on-hold', 'draft']);

/**
 * Finds draft orders that duplicate a current medication: the same ingredient, or a second drug
 * of a class where one is enough (two statins, two ACE inhibitors). Orders are also compared with
 * each other.
 */
export function findDuplicateTherapies(
  orders: readonly MedicationRequest[],
  current: readonly MedicationRequest[],
): DuplicateTherapy[] {
  const duplicates: DuplicateTherapy[] = [];
  const orderIds = new Set(orders.map((order) => order.id));
  const candidates = [
    ...current.filter((med) => CURRENT_STATUSES.has(med.status) && !orderIds.has(med.id)),
  ];
  orders.forEach((order, index) => {
    const drug = identifyMedication(order.medicationCodeableConcept);
    if (drug.ingredients.length === 0) return;
    const others = [...candidates, ...orders.slice(0, index)];
    for (const existing of others) {
      const other = identifyMedication(existing.medicationCodeableConcept);
      const ingredient = drug.ingredients.find((name) => other.ingredients.includes(name));
      if (ingredient !== undefined) {
        duplicates.push({ order, existing, matchedOn: { kind: 'ingredient', ingredient } });
        return;
      }
      const drugClass = drug.classes.find((cls) => other.classes.includes(cls));
      if (drugClass !== undefined) {
        duplicates.push({ order, existing, matchedOn: { kind: 'class', drugClass } });
        return;
      }
    }
  });
  return duplicates;
}

/** Whether any of the medications (active/on-hold) is of the class. */
export function hasActiveMedicationOfClass(
  medications: readonly MedicationRequest[],
  drugClass: DrugClass,
): boolean {
  return medications.some(
    (med) =>
      (med.status === 'active' || med.status === 'on-hold') &&
      identifyMedication(med.medicationCodeableConcept).classes.includes(drugClass),
  );
}
