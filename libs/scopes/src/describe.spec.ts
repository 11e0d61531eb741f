import { describe, expect, it } from 'vitest';

import { describeScope } from './describe.js';
import { parseScope } from './parse.js';

describe('AUTHZ-12 — plain-language scope descriptions for consent and the console', () => {
  it.each([
    [
      'patient/*.rs',
      'Read and search all types of data (including types added in the future) for the current patient',
    ],
    [
      'user/Appointment.cruds',
      'Create, read, update, delete and search Appointment resources that the signed-in user may access',
    ],
    [
      'system/Encounter.cud',
      "Create, update and delete Encounter resources within the client's pre-authorized access",
    ],
    ['patient/Observation.read', 'Read and search Observation resources for the current patient'],
    [
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      'Read and search Observation resources for the current patient, only where category is http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
    ],
    [
      'patient/Condition.r?category=a,b&status=final',
      'Read Condition resources for the current patient, only where category is a or b and status is final',
    ],
    ['launch', 'Open with the context of the current EHR session'],
    ['launch/patient', 'Ask for the patient to be selected at launch'],
    [
      'launch/imagingstudy?role=https://x.org/r',
      'Ask for an imagingstudy to be selected at launch (role https://x.org/r)',
    ],
    ['openid', 'Confirm who is signed in (OpenID Connect)'],
    [
      'fhirUser',
      "Know the signed-in user's FHIR record (Patient, Practitioner, RelatedPerson or Person)",
    ],
    ['profile', "Know the signed-in user's FHIR record (legacy 'profile' scope)"],
    ['offline_access', 'Keep access after the user signs out (refresh token)'],
    ['online_access', 'Keep access while the user stays signed in (refresh token)'],
    ['__profilePhoto.manage', 'Extension permission "__profilePhoto.manage" defined by the EHR'],
    ['Patient.read', 'Permission "Patient.read" not defined by SMART (EHR-specific)'],
  ])('%s', (scope, text) => {
    expect(describeScope(parseScope(scope))).toBe(text);
  });
});
