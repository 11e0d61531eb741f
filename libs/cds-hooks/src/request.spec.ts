import { describe, expect, it } from 'vitest';

import { orderSignRequest, patientViewRequest } from './testing/vectors.js';
import { CDS_HOOKS } from './hooks.js';
import type { CdsHookId } from './hooks.js';
import { validateCdsServiceRequest } from './request.js';

type Json = Record<string, unknown>;

function clone(value: object): Json {
  return structuredClone(value) as Json;
}

function issuesOf(body: unknown, options?: Parameters<typeof validateCdsServiceRequest>[1]) {
  const result = validateCdsServiceRequest(body, options);
  return result.ok ? [] : result.issues;
}

function orders(...refs: string[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: refs.map((ref) => {
      const [resourceType, id] = ref.split('/');
      return { resource: { resourceType, id, status: 'draft' } };
    }),
  };
}

/** A minimal valid context per hook (Hook Library 1.0.1). */
const VALID_CONTEXTS: Record<CdsHookId, Json> = {
  'patient-view': { userId: 'Practitioner/1', patientId: 'p1' },
  'order-select': {
    userId: 'Practitioner/1',
    patientId: 'p1',
    selections: ['MedicationRequest/m1'],
    draftOrders: orders('MedicationRequest/m1', 'ServiceRequest/s1'),
  },
  'order-sign': {
    userId: 'PractitionerRole/123',
    patientId: 'p1',
    draftOrders: orders('MedicationRequest/m1'),
  },
  'appointment-book': {
    userId: 'Patient/p1',
    patientId: 'p1',
    appointments: {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'Appointment', id: 'a1', status: 'proposed' } }],
    },
  },
  'encounter-start': { userId: 'Practitioner/1', patientId: 'p1', encounterId: 'e1' },
  'encounter-discharge': { userId: 'Practitioner/1', patientId: 'p1', encounterId: 'e1' },
  'medication-prescribe': {
    userId: 'Practitioner/1',
    patientId: 'p1',
    medications: orders('MedicationOrder/m1'),
  },
  'order-review': {
    userId: 'Practitioner/1',
    patientId: 'p1',
    orders: orders('ProcedureRequest/x'),
  },
  'order-dispatch': {
    patientId: 'p1',
    dispatchedOrders: ['ServiceRequest/s1'],
    performer: 'Organization/o1',
  },
};

function requestFor(hook: string, context: Json): Json {
  return { hook, hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea', context };
}

describe('CDS Hooks 2.0 §Calling a CDS Service — checklist vectors §17.2 and §17.4', () => {
  it.each([
    ['17.2 patient-view', patientViewRequest, 'patient-view'],
    ['17.4 order-sign', orderSignRequest, 'order-sign'],
  ] as const)('%s is valid, without warnings', (_name, body, hook) => {
    expect(validateCdsServiceRequest(clone(body), { hook })).toEqual({
      ok: true,
      value: body,
      warnings: [],
    });
  });

  it('17.2 without fhirServer (token kept) ⇒ 400, cds-r-1', () => {
    const body = clone(patientViewRequest);
    delete body['fhirServer'];
    expect(issuesOf(body)).toEqual([
      { path: 'fhirServer', message: 'is required when fhirAuthorization is present' },
    ]);
  });

  it('17.2 without hba1c, fhirAuthorization and fhirServer is still a valid request (412 is the service’s call)', () => {
    const body = clone(patientViewRequest);
    delete (body['prefetch'] as Json)['hba1c'];
    delete body['fhirAuthorization'];
    delete body['fhirServer'];
    expect(validateCdsServiceRequest(body).ok).toBe(true);
  });

  it('17.2 with prefetch.conditions null is valid (null = no data, PF-8)', () => {
    const body = clone(patientViewRequest);
    (body['prefetch'] as Json)['conditions'] = null;
    expect(validateCdsServiceRequest(body).ok).toBe(true);
  });

  it('17.4 with userId Patient/1288992 ⇒ 400 (CTX-2)', () => {
    const body = clone(orderSignRequest);
    (body['context'] as Json)['userId'] = 'Patient/1288992';
    expect(issuesOf(body, { hook: 'order-sign' })).toEqual([
      {
        path: 'context.userId',
        message:
          'must reference a Practitioner or PractitionerRole for order-sign (got "Patient/1288992")',
      },
    ]);
  });

  it('17.4 without context.draftOrders ⇒ 400 (CTX-1)', () => {
    const body = clone(orderSignRequest);
    delete (body['context'] as Json)['draftOrders'];
    expect(issuesOf(body, { hook: 'order-sign' })).toEqual([
      { path: 'context.draftOrders', message: 'is required' },
    ]);
  });

  it('17.4 without draftOrders.type is still valid (CTX-4)', () => {
    const body = clone(orderSignRequest);
    delete ((body['context'] as Json)['draftOrders'] as Json)['type'];
    expect(validateCdsServiceRequest(body, { hook: 'order-sign' }).ok).toBe(true);
  });

  it('17.4 sent with hook "patient-view" to the order-sign service ⇒ 400 (REQ-5)', () => {
    const body = clone(orderSignRequest);
    body['hook'] = 'patient-view';
    expect(issuesOf(body, { hook: 'order-sign' })).toEqual([
      { path: 'hook', message: 'must be "order-sign" for this service (got "patient-view")' },
    ]);
  });

  it('types the context by hook', () => {
    const result = validateCdsServiceRequest(clone(orderSignRequest), { hook: 'order-sign' });
    expect(result.ok && result.value.context.draftOrders.entry?.[0]?.resource?.id).toBe(
      'draft-amox-1',
    );
  });
});

describe('CDS Hooks 2.0 §HTTP Request — envelope fields (REQ-2, REQ-3, GEN-2, GEN-3)', () => {
  const base = () => clone(patientViewRequest);

  it.each<[string, (body: Json) => void, { path: string; message: string }[]]>([
    ['hook missing', (b) => delete b['hook'], [{ path: 'hook', message: 'is required' }]],
    ['hook empty', (b) => (b['hook'] = ''), [{ path: 'hook', message: 'must not be empty' }]],
    ['hook null', (b) => (b['hook'] = null), [{ path: 'hook', message: 'must not be null' }]],
    ['hook a number', (b) => (b['hook'] = 7), [{ path: 'hook', message: 'must be a string' }]],
    [
      'hookInstance missing',
      (b) => delete b['hookInstance'],
      [{ path: 'hookInstance', message: 'is required' }],
    ],
    ['context missing', (b) => delete b['context'], [{ path: 'context', message: 'is required' }]],
    ['context {}', (b) => (b['context'] = {}), [{ path: 'context', message: 'must not be empty' }]],
    ['context []', (b) => (b['context'] = []), [{ path: 'context', message: 'must be an object' }]],
    [
      'fhirServer not a URL',
      (b) => (b['fhirServer'] = 'ehr/fhir'),
      [{ path: 'fhirServer', message: 'must be an absolute URL (got "ehr/fhir")' }],
    ],
    [
      'fhirServer http',
      (b) => (b['fhirServer'] = 'http://hooks.smarthealthit.org:9080'),
      [{ path: 'fhirServer', message: 'must be an https URL' }],
    ],
    [
      'fhirServer empty',
      (b) => (b['fhirServer'] = ''),
      [{ path: 'fhirServer', message: 'must not be empty; omit the attribute instead' }],
    ],
    [
      'fhirAuthorization null',
      (b) => (b['fhirAuthorization'] = null),
      [{ path: 'fhirAuthorization', message: 'must not be null; omit the attribute instead' }],
    ],
    [
      'prefetch {}',
      (b) => (b['prefetch'] = {}),
      [{ path: 'prefetch', message: 'must not be empty; omit the attribute instead' }],
    ],
    [
      'prefetch value a string',
      (b) => ((b['prefetch'] as Json)['patient'] = 'Patient/1288992'),
      [
        {
          path: 'prefetch.patient',
          message: 'must be a FHIR resource (an object with a resourceType) or null',
        },
      ],
    ],
    [
      'extension an array',
      (b) => (b['extension'] = []),
      [{ path: 'extension', message: 'must be an object' }],
    ],
    [
      'extension {}',
      (b) => (b['extension'] = {}),
      [{ path: 'extension', message: 'must not be empty; omit the attribute instead' }],
    ],
  ])('%s ⇒ 400', (_name, mutate, expected) => {
    const body = base();
    mutate(body);
    expect(issuesOf(body)).toEqual(expected);
  });

  it('refuses a body that is not an object', () => {
    expect(issuesOf([])).toEqual([{ path: '', message: 'must be a JSON object' }]);
    expect(issuesOf(null)).toEqual([{ path: '', message: 'must be a JSON object' }]);
  });

  it('allows an http fhirServer in a development profile', () => {
    const body = base();
    body['fhirServer'] = 'http://localhost:8080/fhir';
    expect(validateCdsServiceRequest(body, { allowHttpFhirServer: true }).ok).toBe(true);
  });

  it('ignores unknown properties and extension keys (GEN-3, CRD found-33)', () => {
    const body = base();
    body['futureField'] = { anything: true };
    body['extension'] = { 'davinci-crd.configuration': { 'alt-drug': true } };
    (body['context'] as Json)['org.example.extra'] = 1;
    expect(validateCdsServiceRequest(body)).toMatchObject({ ok: true, warnings: [] });
  });

  it('accepts an OperationOutcome and null as prefetch values (PF-8)', () => {
    const body = base();
    (body['prefetch'] as Json)['hba1c'] = { resourceType: 'OperationOutcome', issue: [] };
    (body['prefetch'] as Json)['conditions'] = null;
    expect(validateCdsServiceRequest(body).ok).toBe(true);
  });

  it('accepts a non-UUID hookInstance with a warning (REQ-3)', () => {
    const body = base();
    body['hookInstance'] = 'call-42';
    expect(validateCdsServiceRequest(body)).toMatchObject({
      ok: true,
      warnings: [{ path: 'hookInstance', message: 'should be a UUID' }],
    });
  });
});

describe('CDS Hooks 2.0 §FHIR Resource Access — fhirAuthorization (AUTH-4)', () => {
  const withAuth = (patch: Json, remove: string[] = []) => {
    const body = clone(patientViewRequest);
    const auth = body['fhirAuthorization'] as Json;
    Object.assign(auth, patch);
    for (const key of remove) delete auth[key];
    return body;
  };

  it.each<[string, Json, string[], { path: string; message: string }[]]>([
    [
      'access_token missing',
      {},
      ['access_token'],
      [{ path: 'fhirAuthorization.access_token', message: 'is required' }],
    ],
    [
      'token_type not Bearer',
      { token_type: 'MAC' },
      [],
      [{ path: 'fhirAuthorization.token_type', message: 'must be "Bearer" (got "MAC")' }],
    ],
    [
      'expires_in negative',
      { expires_in: -1 },
      [],
      [{ path: 'fhirAuthorization.expires_in', message: 'must be a non-negative integer' }],
    ],
    [
      'expires_in a string',
      { expires_in: '30' },
      [],
      [{ path: 'fhirAuthorization.expires_in', message: 'must be a non-negative integer' }],
    ],
    ['scope missing', {}, ['scope'], [{ path: 'fhirAuthorization.scope', message: 'is required' }]],
    [
      'subject missing',
      {},
      ['subject'],
      [{ path: 'fhirAuthorization.subject', message: 'is required' }],
    ],
  ])('%s ⇒ 400', (_name, patch, remove, expected) => {
    expect(issuesOf(withAuth(patch, remove))).toEqual(expected);
  });

  it('accepts token_type "bearer" (RFC 6749 §5.1: case-insensitive)', () => {
    expect(validateCdsServiceRequest(withAuth({ token_type: 'bearer' })).ok).toBe(true);
  });

  it('warns when patient/ scopes come without patient (S30 cds-r-2)', () => {
    expect(validateCdsServiceRequest(withAuth({}, ['patient']))).toMatchObject({
      ok: true,
      warnings: [
        {
          path: 'fhirAuthorization.patient',
          message: 'should be present when scope contains patient/ scopes',
        },
      ],
    });
    expect(
      validateCdsServiceRequest(withAuth({ scope: 'user/Patient.read' }, ['patient'])),
    ).toMatchObject({ ok: true, warnings: [] });
  });
});

describe('Hook Library 1.0.1 §Context — every hook (CTX-1)', () => {
  const hooks = Object.keys(VALID_CONTEXTS) as CdsHookId[];

  it.each(hooks)('%s: the minimal context is valid', (hook) => {
    expect(
      validateCdsServiceRequest(requestFor(hook, clone(VALID_CONTEXTS[hook])), { hook }).ok,
    ).toBe(true);
  });

  const cases = hooks.flatMap((hook) =>
    Object.entries(CDS_HOOKS[hook].context)
      .filter(([, field]) => field.required)
      .map(([field]) => [hook, field] as const),
  );

  it.each(cases)('%s without context.%s ⇒ 400', (hook, field) => {
    const context = clone(VALID_CONTEXTS[hook]);
    delete context[field];
    expect(issuesOf(requestFor(hook, context), { hook })).toEqual([
      { path: `context.${field}`, message: 'is required' },
    ]);
  });

  it('covers the seven hooks of the issue plus order-review and order-dispatch', () => {
    expect(cases.length).toBe(27);
  });

  it('validates unknown hooks generically (CTX-6)', () => {
    expect(
      validateCdsServiceRequest(requestFor('org.example.chart-close', { anything: 1 })).ok,
    ).toBe(true);
    expect(issuesOf(requestFor('org.example.chart-close', {}))).toEqual([
      { path: 'context', message: 'must not be empty' },
    ]);
  });

  it('warns that medication-prescribe is deprecated', () => {
    const result = validateCdsServiceRequest(
      requestFor('medication-prescribe', clone(VALID_CONTEXTS['medication-prescribe'])),
    );
    expect(result).toMatchObject({
      ok: true,
      warnings: [
        {
          path: 'hook',
          message: 'is deprecated by the Hook Library; use order-select or order-sign',
        },
      ],
    });
  });

  it('ignores unknown context fields (CRD hook-23)', () => {
    const context = { ...clone(VALID_CONTEXTS['order-sign']), 'davinci-crd.extra': { a: 1 } };
    expect(validateCdsServiceRequest(requestFor('order-sign', context)).ok).toBe(true);
  });
});

describe('Hook Library 1.0.1 §Context — userId and ids (CTX-2, GEN-4)', () => {
  it.each<[CdsHookId, string, string | undefined]>([
    ['order-sign', 'PractitionerRole/123', undefined],
    ['patient-view', 'Patient/1', undefined],
    ['patient-view', 'RelatedPerson/rp-1', undefined],
    [
      'order-sign',
      'Patient/1',
      'must reference a Practitioner or PractitionerRole for order-sign (got "Patient/1")',
    ],
    ['patient-view', '123', 'must be a relative reference "ResourceType/id" (got "123")'],
    [
      'patient-view',
      'Device/d1',
      'must reference a Practitioner, PractitionerRole, Patient or RelatedPerson for patient-view (got "Device/d1")',
    ],
    [
      'medication-prescribe',
      'PractitionerRole/123',
      'must reference a Practitioner for medication-prescribe (got "PractitionerRole/123")',
    ],
  ])('%s with userId %s', (hook, userId, message) => {
    const context = { ...clone(VALID_CONTEXTS[hook]), userId };
    expect(issuesOf(requestFor(hook, context))).toEqual(
      message === undefined ? [] : [{ path: 'context.userId', message }],
    );
  });

  it('accepts long Epic-style ids with dots (GEN-4)', () => {
    const id = `eGhM${'a1.B-'.repeat(40)}3`;
    const context = {
      userId: `Practitioner/${id}`,
      patientId: id,
      encounterId: id,
    };
    expect(validateCdsServiceRequest(requestFor('encounter-start', context)).ok).toBe(true);
  });

  it('refuses a reference where an id is expected', () => {
    const context = { ...clone(VALID_CONTEXTS['patient-view']), patientId: 'Patient/p1' };
    expect(issuesOf(requestFor('patient-view', context))).toEqual([
      {
        path: 'context.patientId',
        message: 'must be a FHIR id, not a reference (got "Patient/p1")',
      },
    ]);
  });
});

describe('Hook Library 1.0.1 §order-select, §order-sign, §appointment-book — selections and bundles (CTX-3, CTX-4)', () => {
  it('refuses a selection that is not in draftOrders (CTX-3)', () => {
    const context = clone(VALID_CONTEXTS['order-select']);
    context['selections'] = ['MedicationRequest/m1', 'MedicationRequest/gone'];
    expect(issuesOf(requestFor('order-select', context))).toEqual([
      {
        path: 'context.selections[1]',
        message:
          'does not match any resource in context.draftOrders (got "MedicationRequest/gone")',
      },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['an empty array', [], 'must not be empty'],
    ['a bare id', ['m1'], 'must be a relative reference "ResourceType/id" (got "m1")'],
  ])('refuses selections that are %s', (_name, selections, message) => {
    const context = { ...clone(VALID_CONTEXTS['order-select']), selections };
    const path =
      Array.isArray(selections) && selections.length > 0
        ? 'context.selections[0]'
        : 'context.selections';
    expect(issuesOf(requestFor('order-select', context))).toEqual([{ path, message }]);
  });

  it.each<[string, unknown, { path: string; message: string }[]]>([
    [
      'not a Bundle',
      { resourceType: 'List', entry: [] },
      [{ path: 'context.draftOrders.resourceType', message: 'must be "Bundle" (got "List")' }],
    ],
    [
      'without entries',
      { resourceType: 'Bundle', type: 'collection' },
      [{ path: 'context.draftOrders.entry', message: 'is required' }],
    ],
    [
      'with an entry without resource',
      { resourceType: 'Bundle', entry: [{ fullUrl: 'urn:uuid:1' }] },
      [{ path: 'context.draftOrders.entry[0].resource', message: 'is required' }],
    ],
    [
      'with a resource without resourceType',
      { resourceType: 'Bundle', entry: [{ resource: { id: 'x' } }] },
      [
        {
          path: 'context.draftOrders.entry[0].resource',
          message: 'must be a FHIR resource (an object with a resourceType)',
        },
      ],
    ],
    ['a string', 'Bundle/1', [{ path: 'context.draftOrders', message: 'must be an object' }]],
  ])('refuses draftOrders %s', (_name, draftOrders, expected) => {
    const context = { ...clone(VALID_CONTEXTS['order-sign']), draftOrders };
    expect(issuesOf(requestFor('order-sign', context))).toEqual(expected);
  });

  it('accepts DSTU2 MedicationOrder drafts and non-draft statuses on re-sign (CTX-4)', () => {
    const context = clone(VALID_CONTEXTS['order-sign']);
    context['draftOrders'] = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'MedicationOrder', id: 'mo', status: 'active' } }],
    };
    expect(validateCdsServiceRequest(requestFor('order-sign', context)).ok).toBe(true);
  });

  it('refuses appointments that are not Appointments', () => {
    const context = clone(VALID_CONTEXTS['appointment-book']);
    context['appointments'] = {
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'ServiceRequest', id: 's' } }],
    };
    expect(issuesOf(requestFor('appointment-book', context))).toEqual([
      {
        path: 'context.appointments.entry[0].resource.resourceType',
        message: 'must be "Appointment" (got "ServiceRequest")',
      },
    ]);
  });

  it('checks order-dispatch performer and fulfillmentTasks', () => {
    const context = {
      ...clone(VALID_CONTEXTS['order-dispatch']),
      performer: 'o1',
      fulfillmentTasks: [{ resourceType: 'Patient', id: 'x' }],
    };
    expect(issuesOf(requestFor('order-dispatch', context))).toEqual([
      {
        path: 'context.performer',
        message: 'must be a relative reference "ResourceType/id" (got "o1")',
      },
      {
        path: 'context.fulfillmentTasks[0].resourceType',
        message: 'must be "Task" (got "Patient")',
      },
    ]);
  });
});
