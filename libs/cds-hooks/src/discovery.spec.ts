import { describe, expect, it } from 'vitest';

import { discoveryResponse } from './testing/vectors.js';
import { validateDiscoveryDocument, validateServiceDefinition } from './discovery.js';

type Json = Record<string, unknown>;
type Issue = { path: string; message: string };

function service(patch: Json = {}): Json {
  return {
    hook: 'patient-view',
    title: 'Bedside',
    description: 'Shows guidance.',
    id: 'bedside',
    ...patch,
  };
}

function issues(body: unknown): Issue[] {
  const result = validateDiscoveryDocument(body);
  return result.ok ? [] : result.issues;
}

describe('CDS Hooks 2.0 §Discovery — checklist vector §17.1 (DISC-1, DISC-2)', () => {
  it('17.1 is valid, without warnings', () => {
    expect(validateDiscoveryDocument(structuredClone(discoveryResponse))).toEqual({
      ok: true,
      value: discoveryResponse,
      warnings: [],
    });
  });

  it('accepts {"services": []}', () => {
    expect(validateDiscoveryDocument({ services: [] })).toMatchObject({ ok: true });
  });

  it.each<[string, unknown, Issue[]]>([
    ['no services', {}, [{ path: 'services', message: 'is required' }]],
    ['not an object', [], [{ path: '', message: 'must be a JSON object' }]],
    [
      'a service without hook',
      { services: [service({ hook: undefined })] },
      [{ path: 'services[0].hook', message: 'is required' }],
    ],
    [
      'a service without description',
      { services: [service({ description: undefined })] },
      [{ path: 'services[0].description', message: 'is required' }],
    ],
    [
      'a service without id',
      { services: [service({ id: undefined })] },
      [{ path: 'services[0].id', message: 'is required' }],
    ],
    [
      'an empty id',
      { services: [service({ id: '' })] },
      [{ path: 'services[0].id', message: 'must not be empty' }],
    ],
    [
      'prefetch {}',
      { services: [service({ prefetch: {} })] },
      [{ path: 'services[0].prefetch', message: 'must not be empty; omit the attribute instead' }],
    ],
    [
      'a prefetch template that is not a string',
      { services: [service({ prefetch: { patient: 1 } })] },
      [{ path: 'services[0].prefetch.patient', message: 'must be a non-empty string' }],
    ],
    [
      'usageRequirements null',
      { services: [service({ usageRequirements: null })] },
      [
        {
          path: 'services[0].usageRequirements',
          message: 'must not be null; omit the attribute instead',
        },
      ],
    ],
  ])('refuses %s', (_name, body, expected) => {
    const doc = body as { services?: Json[] };
    for (const s of doc.services ?? []) {
      for (const key of Object.keys(s)) if (s[key] === undefined) delete s[key];
    }
    expect(issues(body)).toEqual(expected);
  });

  it('warns when title (RECOMMENDED) is missing', () => {
    const s = service();
    delete s['title'];
    expect(validateDiscoveryDocument({ services: [s] })).toMatchObject({
      ok: true,
      warnings: [{ path: 'services[0].title', message: 'is recommended' }],
    });
  });

  it('validates one service definition on its own', () => {
    expect(validateServiceDefinition(service())).toMatchObject({ ok: true });
    expect(validateServiceDefinition({ ...service(), hook: 1 })).toMatchObject({
      ok: false,
      issues: [{ path: 'hook', message: 'must be a string' }],
    });
  });
});

describe('CDS Hooks 2.0 §Discovery — one id, several hooks (DISC-3)', () => {
  it('accepts the same id for two hooks', () => {
    const body = { services: [service(), service({ hook: 'order-sign' })] };
    expect(issues(body)).toEqual([]);
  });

  it('refuses the same (id, hook) twice', () => {
    const body = { services: [service(), service({ title: 'Other' })] };
    expect(issues(body)).toEqual([
      {
        path: 'services[1]',
        message: 'duplicates the id "bedside" and hook "patient-view" of services[0]',
      },
    ]);
  });
});

describe('CDS Hooks 2.0 §Prefetch Template — discovery lint (DISC-4, PF-1, PF-2, PF-4, PF-9)', () => {
  const lint = (template: string, hook = 'patient-view') =>
    validateDiscoveryDocument({ services: [service({ hook, prefetch: { key: template } })] });

  it.each<[string, string, string]>([
    [
      'a nested context path',
      'Condition?patient={{context.patient.id}}',
      '{{context.patient.id}} is not a CDS Hooks 2.0 prefetch token; use {{context.<field>}} or {{userPractitionerId}}, {{userPractitionerRoleId}}, {{userPatientId}}, {{userRelatedPersonId}}',
    ],
    [
      'a FHIRPath expression (3.0 ballot only)',
      'Observation?patient={{context.patientId}}&date=gt{{today() - 90 days}}',
      '{{today() - 90 days}} is not a CDS Hooks 2.0 prefetch token; use {{context.<field>}} or {{userPractitionerId}}, {{userPractitionerRoleId}}, {{userPatientId}}, {{userRelatedPersonId}}',
    ],
    [
      'a field the hook does not have',
      'Encounter/{{context.visitId}}',
      '{{context.visitId}} is not a context field of patient-view',
    ],
    [
      'an absolute URL',
      'https://ehr.example.org/fhir/Patient/{{context.patientId}}',
      'must be a relative FHIR read ("Type/id") or type-level search ("Type?params")',
    ],
    [
      'a leading slash',
      '/Patient/{{context.patientId}}',
      'must be a relative FHIR read ("Type/id") or type-level search ("Type?params")',
    ],
    [
      'a vread',
      'Patient/{{context.patientId}}/_history/2',
      'must be a relative FHIR read ("Type/id") or type-level search ("Type?params")',
    ],
    ['an unterminated token', 'Patient/{{context.patientId', 'has an unterminated "{{" token'],
    [
      'Practitioner/{{context.userId}} (docs#410)',
      'Practitioner/{{context.userId}}',
      '"Practitioner/{{context.userId}}" repeats the resource type: context.userId is already "Type/id"; use Practitioner/{{userPractitionerId}}',
    ],
  ])('refuses %s', (_name, template, message) => {
    expect(lint(template)).toMatchObject({
      ok: false,
      issues: [{ path: 'services[0].prefetch.key', message }],
    });
  });

  it('refuses a non-token context field of the hook', () => {
    expect(lint('MedicationRequest?_id={{context.draftOrders}}', 'order-sign')).toMatchObject({
      ok: false,
      issues: [
        {
          path: 'services[0].prefetch.key',
          message:
            '{{context.draftOrders}} cannot be used as a prefetch token for order-sign (allowed: context.userId, context.patientId, context.encounterId)',
        },
      ],
    });
  });

  it.each([
    'Patient/{{context.patientId}}',
    '{{context.userId}}',
    'Encounter/{{context.encounterId}}',
    'Practitioner/{{userPractitionerId}}',
    'Observation?patient={{context.patientId}}&code=http://loinc.org|4548-4&_sort=-date&_count=1',
    'Observation?patient={{context.patientId}}&code:in=http://example.org/vs&date=ge2024-01-01',
    'Coverage?patient={{context.patientId}}&status=active',
    'Observation?patient={{context.patientId}}&_lastUpdated=ge2024-01-01',
  ])('accepts %s', (template) => {
    expect(lint(template)).toEqual(expect.objectContaining({ ok: true, warnings: [] }));
  });

  it('accepts any context field for a hook it does not know', () => {
    expect(lint('Location/{{context.locationId}}', 'org.example.room-enter')).toMatchObject({
      ok: true,
      warnings: [],
    });
  });

  it.each<[string, string]>([
    [
      'PractitionerRole?_id={{userPractitionerRoleId}}&_include=PractitionerRole:practitioner',
      'parameter "_include" is outside the recommended query subset',
    ],
    [
      'MedicationRequest?patient={{context.patientId}}&sort:desc=date',
      'parameter "sort:desc" is pre-R4 syntax; use _sort (e.g. _sort=-date)',
    ],
    [
      'Condition?patient={{context.patientId}}&code:text=diabetes',
      'modifier ":text" is outside the recommended query subset (only :in is)',
    ],
    [
      'Observation?subject.name=x',
      'chained parameter "subject.name" is outside the recommended query subset',
    ],
    [
      'Observation?patient={{context.patientId}}&date=ap2024-01-01',
      'prefix "ap" is outside the recommended query subset (eq, lt, gt, ge, le)',
    ],
  ])('warns (PF-9 is RECOMMENDED) about %s', (template, message) => {
    expect(lint(template)).toMatchObject({
      ok: true,
      warnings: [{ path: 'services[0].prefetch.key', message }],
    });
  });
});
