/**
 * Test vectors copied verbatim from cds-hooks.md §17 (machine-checked there). Tests clone them
 * with `structuredClone` before mutating.
 */

/** cds-hooks.md §17.1 */
export const discoveryResponse = {
  services: [
    {
      hook: 'patient-view',
      title: 'Bedside diabetes monitoring',
      description: 'Flags overdue or above-target HbA1c for patients with type 2 diabetes.',
      id: 'bedside-patient-view',
      prefetch: {
        patient: 'Patient/{{context.patientId}}',
        hba1c: 'Observation?patient={{context.patientId}}&code=4548-4&_sort=-date&_count=1',
        conditions:
          'Condition?patient={{context.patientId}}&category=problem-list-item&clinical-status=active',
      },
    },
    {
      hook: 'order-sign',
      title: 'Bedside medication safety',
      description: "Checks draft medication orders against the patient's active allergies.",
      id: 'bedside-order-sign',
      prefetch: {
        patient: 'Patient/{{context.patientId}}',
        allergies: 'AllergyIntolerance?patient={{context.patientId}}&clinical-status=active',
        activeMeds: 'MedicationRequest?patient={{context.patientId}}&status=active',
      },
      usageRequirements:
        'Without prefetch, needs fhirServer plus fhirAuthorization granting read access to AllergyIntolerance and MedicationRequest.',
    },
  ],
};

/** cds-hooks.md §17.2 */
export const patientViewRequest = {
  hook: 'patient-view',
  hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
  fhirServer: 'https://ehr.example.org/fhir',
  fhirAuthorization: {
    access_token: 'opaque-access-token-0001',
    token_type: 'Bearer',
    expires_in: 30,
    scope: 'patient/Patient.read patient/Observation.read patient/Condition.read',
    subject: 'bedside-cds',
    patient: '1288992',
  },
  context: {
    userId: 'PractitionerRole/123',
    patientId: '1288992',
    encounterId: '89284',
  },
  prefetch: {
    patient: {
      resourceType: 'Patient',
      id: '1288992',
      active: true,
      name: [
        {
          use: 'official',
          family: 'Watts',
          given: ['Wade'],
        },
      ],
      gender: 'male',
      birthDate: '1962-04-12',
    },
    hba1c: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [
        {
          fullUrl: 'https://ehr.example.org/fhir/Observation/a1c-1',
          resource: {
            resourceType: 'Observation',
            id: 'a1c-1',
            status: 'final',
            category: [
              {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                    code: 'laboratory',
                  },
                ],
              },
            ],
            code: {
              coding: [
                {
                  system: 'http://loinc.org',
                  code: '4548-4',
                  display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
                },
              ],
            },
            subject: {
              reference: 'Patient/1288992',
            },
            effectiveDateTime: '2024-01-10',
            valueQuantity: {
              value: 8.9,
              unit: '%',
              system: 'http://unitsofmeasure.org',
              code: '%',
            },
          },
          search: {
            mode: 'match',
          },
        },
      ],
    },
    conditions: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [
        {
          fullUrl: 'https://ehr.example.org/fhir/Condition/dm2-1',
          resource: {
            resourceType: 'Condition',
            id: 'dm2-1',
            clinicalStatus: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
                  code: 'active',
                },
              ],
            },
            category: [
              {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                    code: 'problem-list-item',
                  },
                ],
              },
            ],
            code: {
              coding: [
                {
                  system: 'http://snomed.info/sct',
                  code: '44054006',
                  display: 'Diabetes mellitus type 2',
                },
              ],
            },
            subject: {
              reference: 'Patient/1288992',
            },
          },
          search: {
            mode: 'match',
          },
        },
      ],
    },
  },
};

/** cds-hooks.md §17.3 */
export const patientViewResponse = {
  cards: [
    {
      uuid: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
      summary: 'HbA1c 8.9% on 2024-01-10 is above the 7% target and over 6 months old',
      detail:
        'Type 2 diabetes is on the active problem list.\n\n| Test | Date | Value |\n|---|---|---|\n| HbA1c | 2024-01-10 | **8.9 %** |\n\nConsider repeating HbA1c and reviewing therapy.',
      indicator: 'warning',
      source: {
        label: 'Bedside Diabetes Guidance',
        url: 'https://bedside.example.org/guidance/diabetes',
        icon: 'https://bedside.example.org/img/icon-100.png',
        topic: {
          system: 'https://bedside.example.org/CodeSystem/card-topic',
          code: 'chronic-disease-monitoring',
          display: 'Chronic disease monitoring',
        },
      },
      overrideReasons: [
        {
          system: 'https://bedside.example.org/CodeSystem/override-reason',
          code: 'ordered-elsewhere',
          display: 'Test already ordered elsewhere',
        },
        {
          system: 'https://bedside.example.org/CodeSystem/override-reason',
          code: 'patient-declined',
          display: 'Patient declined',
        },
      ],
      links: [
        {
          label: 'Open the Bedside diabetes view',
          url: 'https://bedside.example.org/launch',
          type: 'smart',
          appContext: '{"view":"diabetes","observation":"Observation/a1c-1"}',
        },
        {
          label: 'Guideline summary',
          url: 'https://bedside.example.org/guidance/diabetes#hba1c',
          type: 'absolute',
        },
      ],
    },
  ],
};

/** cds-hooks.md §17.4 */
export const orderSignRequest = {
  hook: 'order-sign',
  hookInstance: '5c7a2b1e-8f3d-4b6a-9e2f-0d1c3b4a5e6f',
  fhirServer: 'https://ehr.example.org/fhir',
  context: {
    userId: 'Practitioner/example',
    patientId: '1288992',
    encounterId: '89284',
    draftOrders: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            resourceType: 'MedicationRequest',
            id: 'draft-amox-1',
            status: 'draft',
            intent: 'order',
            medicationCodeableConcept: {
              coding: [
                {
                  system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
                  code: '308191',
                  display: 'amoxicillin 500 MG Oral Capsule',
                },
              ],
              text: 'amoxicillin 500 mg capsule',
            },
            subject: {
              reference: 'Patient/1288992',
            },
            encounter: {
              reference: 'Encounter/89284',
            },
            authoredOn: '2024-03-01',
            requester: {
              reference: 'Practitioner/example',
            },
            dosageInstruction: [
              {
                text: '500 mg by mouth three times daily for 7 days',
              },
            ],
          },
        },
      ],
    },
  },
  prefetch: {
    patient: {
      resourceType: 'Patient',
      id: '1288992',
      gender: 'male',
      birthDate: '1962-04-12',
    },
    allergies: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [
        {
          fullUrl: 'https://ehr.example.org/fhir/AllergyIntolerance/pcn-1',
          resource: {
            resourceType: 'AllergyIntolerance',
            id: 'pcn-1',
            clinicalStatus: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
                  code: 'active',
                },
              ],
            },
            verificationStatus: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
                  code: 'confirmed',
                },
              ],
            },
            category: ['medication'],
            criticality: 'high',
            code: {
              coding: [
                {
                  system: 'http://snomed.info/sct',
                  code: '91936005',
                  display: 'Allergy to penicillin',
                },
              ],
            },
            patient: {
              reference: 'Patient/1288992',
            },
          },
          search: {
            mode: 'match',
          },
        },
      ],
    },
    activeMeds: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 0,
    },
  },
};

/** cds-hooks.md §17.5 */
export const orderSignResponse = {
  cards: [
    {
      uuid: '9368d37b-283f-44a0-93ea-547cebab93ed',
      summary: 'Penicillin allergy (high criticality): amoxicillin order may cause a reaction',
      detail:
        'Active, confirmed **penicillin** allergy (AllergyIntolerance/pcn-1). Draft order *amoxicillin 500 mg capsule* is a penicillin-class antibiotic.',
      indicator: 'critical',
      source: {
        label: 'Bedside Medication Safety',
        topic: {
          system: 'https://bedside.example.org/CodeSystem/card-topic',
          code: 'drug-allergy',
          display: 'Drug-allergy interaction',
        },
      },
      suggestions: [
        {
          label: 'Replace with azithromycin 500 mg on day 1, then 250 mg daily',
          uuid: 'e56e1945-20b3-4393-8503-a1a20fd73152',
          isRecommended: true,
          actions: [
            {
              type: 'delete',
              description: 'Remove the draft amoxicillin order',
              resourceId: 'MedicationRequest/draft-amox-1',
            },
            {
              type: 'create',
              description: 'Add a draft azithromycin order',
              resource: {
                resourceType: 'MedicationRequest',
                id: 'draft-azith-1',
                status: 'draft',
                intent: 'order',
                medicationCodeableConcept: {
                  text: 'azithromycin 250 mg tablet',
                },
                subject: {
                  reference: 'Patient/1288992',
                },
                encounter: {
                  reference: 'Encounter/89284',
                },
                requester: {
                  reference: 'Practitioner/example',
                },
                dosageInstruction: [
                  {
                    text: '500 mg by mouth on day 1, then 250 mg once daily on days 2 to 5',
                  },
                ],
              },
            },
          ],
        },
        {
          label: 'Remove the amoxicillin order',
          uuid: '0c4d9f3b-6a8e-4f0b-b1a2-7d5e3c9f8a61',
          actions: [
            {
              type: 'delete',
              description: 'Remove the draft amoxicillin order',
              resourceId: 'MedicationRequest/draft-amox-1',
            },
          ],
        },
      ],
      selectionBehavior: 'at-most-one',
      overrideReasons: [
        {
          system: 'https://bedside.example.org/CodeSystem/override-reason',
          code: 'tolerated-before',
          display: 'Patient has tolerated this drug before',
        },
        {
          system: 'https://bedside.example.org/CodeSystem/override-reason',
          code: 'benefit-outweighs-risk',
          display: 'Benefit outweighs risk',
        },
      ],
    },
  ],
  systemActions: [
    {
      type: 'create',
      description: 'Record the detected drug-allergy issue',
      resource: {
        resourceType: 'DetectedIssue',
        id: 'bedside-di-1',
        status: 'preliminary',
        severity: 'high',
        code: {
          text: 'Drug-allergy interaction',
        },
        patient: {
          reference: 'Patient/1288992',
        },
        implicated: [
          {
            reference: 'MedicationRequest/draft-amox-1',
          },
          {
            reference: 'AllergyIntolerance/pcn-1',
          },
        ],
        detail: 'Draft amoxicillin order conflicts with an active penicillin allergy.',
      },
    },
  ],
};

/** cds-hooks.md §17.6 */
export const acceptedFeedback = {
  feedback: [
    {
      card: '9368d37b-283f-44a0-93ea-547cebab93ed',
      outcome: 'accepted',
      acceptedSuggestions: [
        {
          id: 'e56e1945-20b3-4393-8503-a1a20fd73152',
        },
      ],
      outcomeTimestamp: '2024-03-01T15:04:05Z',
    },
  ],
};

/** cds-hooks.md §17.6 */
export const overriddenFeedback = {
  feedback: [
    {
      card: '4e0a3a1e-3283-4575-ab82-028d55fe2719',
      outcome: 'overridden',
      overrideReason: {
        reason: {
          system: 'https://bedside.example.org/CodeSystem/override-reason',
          code: 'patient-declined',
          display: 'Patient declined',
        },
        userComment: 'Will recheck at next visit.',
      },
      outcomeTimestamp: '2024-03-01T15:06:00.52Z',
    },
    {
      card: '9368d37b-283f-44a0-93ea-547cebab93ed',
      outcome: 'overridden',
      outcomeTimestamp: '2024-03-01T15:07:10Z',
    },
  ],
};

/** cds-hooks.md §17.7: the CDS Hooks 2.0 example key (public; its private part is published too). */
export const specExampleJwk = {
  kty: 'EC',
  crv: 'P-384',
  kid: 'example-kid',
  x: '46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk',
  y: 'XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI',
};

/** cds-hooks.md §17.7: the CDS Hooks 2.0 example JWT (ES384). */
export const specExampleJwt20 =
  'eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxlLmNvbS9qd2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1zZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJhNWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0.d1WfLjGRKlcWB94l9do4cM8REXeYJLL6SGUBO8VHZhfM8mwKYP70EMxJ67War4TQblEpaQrp11wx5p7oPFm2ETYgCicS84vXWEIYTdjooZdooCSDf2L8-i4awdoUwiEb';

/** cds-hooks.md §17.7: the CDS Hooks 1.0 example JWT (same key, extra `sub`). */
export const specExampleJwt10 =
  'eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxlLmNvbS9qd2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsInN1YiI6ImNsaWVudF9pZCIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1zZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJhNWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0.CUFPkplnWd6YGIvzoHolWCQBDsCL8QtTWKGg_QFpS169WrqDGzktRi-_we6-6rVzbjerU27ZKww_SW0-b9RTz-dPJNcqsueMio8r6EqXUXhbLm_ch3XFSbDlGHDl_tqo';
