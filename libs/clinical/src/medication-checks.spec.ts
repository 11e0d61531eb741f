import { describe, expect, it } from 'vitest';

import type { AllergyIntolerance, MedicationRequest } from '@bedside/fhir-model';

import {
  findDrugAllergyConflicts,
  findDuplicateTherapies,
  hasActiveMedicationOfClass,
} from './medication-checks.js';
import { identifyAllergen, identifyMedication, RXNORM, SNOMED } from './medications.js';

function med(
  id: string,
  code: string | undefined,
  text: string,
  status = 'draft',
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: {
      ...(code ? { coding: [{ system: RXNORM, code, display: text }] } : {}),
      text,
    },
  };
}

const penicillinAllergy: AllergyIntolerance = {
  resourceType: 'AllergyIntolerance',
  id: 'pcn-1',
  clinicalStatus: { coding: [{ system: 'x', code: 'active' }] },
  criticality: 'high',
  code: { coding: [{ system: SNOMED, code: '91936005', display: 'Allergy to penicillin' }] },
  patient: { reference: 'Patient/p1' },
};

describe('drug knowledge', () => {
  it.each([
    [{ coding: [{ system: RXNORM, code: '308191' }] }, ['amoxicillin'], ['penicillin']],
    [{ coding: [{ system: RXNORM, code: '83367' }] }, ['atorvastatin'], ['statin']],
    [{ text: 'Simvastatin 20 mg tablet' }, ['simvastatin'], ['statin']],
    [{ text: 'azithromycin 250 mg tablet' }, ['azithromycin'], []],
    [{ text: 'unknown thing' }, [], []],
  ])('identifies %j', (concept, ingredients, classes) => {
    expect(identifyMedication(concept)).toEqual({ ingredients, classes });
  });

  it('reads allergens from SNOMED, RxNorm and text', () => {
    expect(identifyAllergen(penicillinAllergy.code).classes).toEqual(['penicillin']);
    expect(identifyAllergen({ text: 'Penicillins' }).classes).toEqual(['penicillin']);
    expect(identifyAllergen({ coding: [{ system: RXNORM, code: '2231' }] }).ingredients).toEqual([
      'cephalexin',
    ]);
  });
});

describe('drug-allergy check (cds-hooks.md 17.4 vector: amoxicillin vs penicillin allergy)', () => {
  it('flags a penicillin-class order against a penicillin allergy', () => {
    const amox = med('draft-amox-1', '308191', 'amoxicillin 500 MG Oral Capsule');
    const conflicts = findDrugAllergyConflicts([amox], [penicillinAllergy]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      order: { id: 'draft-amox-1' },
      allergy: { id: 'pcn-1' },
      matchedOn: { kind: 'class', drugClass: 'penicillin' },
      severity: 'high',
    });
  });

  it('ignores unrelated drugs, resolved and refuted allergies', () => {
    const azith = med('a', undefined, 'azithromycin 250 mg tablet');
    expect(findDrugAllergyConflicts([azith], [penicillinAllergy])).toEqual([]);
    const amox = med('b', '308191', 'amoxicillin');
    const resolved = { ...penicillinAllergy, clinicalStatus: { coding: [{ code: 'resolved' }] } };
    const refuted = { ...penicillinAllergy, verificationStatus: { coding: [{ code: 'refuted' }] } };
    expect(findDrugAllergyConflicts([amox], [resolved, refuted])).toEqual([]);
  });

  it('matches a same-ingredient allergy', () => {
    const allergy = {
      ...penicillinAllergy,
      code: { text: 'cephalexin' },
      criticality: 'low' as const,
    };
    const conflicts = findDrugAllergyConflicts([med('c', '2231', 'cephalexin 500 mg')], [allergy]);
    expect(conflicts[0]?.matchedOn).toEqual({ kind: 'ingredient', ingredient: 'cephalexin' });
    expect(conflicts[0]?.severity).toBe('moderate');
  });
});

describe('duplicate therapy', () => {
  const activeAtorva = med('m1', '83367', 'atorvastatin 40 mg', 'active');

  it('flags a second statin (same class)', () => {
    const dup = findDuplicateTherapies([med('d1', undefined, 'simvastatin 20 mg')], [activeAtorva]);
    expect(dup).toHaveLength(1);
    expect(dup[0]).toMatchObject({
      existing: { id: 'm1' },
      matchedOn: { kind: 'class', drugClass: 'statin' },
    });
  });

  it('flags the same ingredient, and duplicates among the draft orders', () => {
    expect(
      findDuplicateTherapies([med('d2', '83367', 'atorvastatin 80 mg')], [activeAtorva])[0]
        ?.matchedOn,
    ).toEqual({
      kind: 'ingredient',
      ingredient: 'atorvastatin',
    });
    const twoDrafts = findDuplicateTherapies(
      [med('d3', '29046', 'lisinopril 10 mg'), med('d4', '29046', 'lisinopril 20 mg')],
      [],
    );
    expect(twoDrafts.map((d) => [d.order.id, d.existing.id])).toEqual([['d4', 'd3']]);
  });

  it('ignores stopped medications and different classes', () => {
    const stopped = med('m2', '83367', 'atorvastatin', 'stopped');
    expect(findDuplicateTherapies([med('d5', '83367', 'atorvastatin')], [stopped])).toEqual([]);
    expect(findDuplicateTherapies([med('d6', '29046', 'lisinopril')], [activeAtorva])).toEqual([]);
  });

  it('knows whether a statin is active', () => {
    expect(hasActiveMedicationOfClass([activeAtorva], 'statin')).toBe(true);
    expect(
      hasActiveMedicationOfClass([med('x', '83367', 'atorvastatin', 'stopped')], 'statin'),
    ).toBe(false);
  });
});
