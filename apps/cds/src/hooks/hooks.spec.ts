import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  lintPrefetchTemplate,
  validateCdsResponse,
  type CdsCard,
  type CdsResponse,
} from '@bedside/cds-hooks';

import { clientIssuer, startCds, type CdsHarness } from '../../test/harness.js';
import {
  acceptedFeedback,
  orderSignRequest,
  overriddenFeedback,
  patientViewRequest,
} from '@bedside/cds-hooks/testing';

// Test bodies are mutated freely to build invalid variants.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Mutable = Record<string, any>;

const fixedNow = Date.parse('2024-09-01T12:00:00Z');
let cds: CdsHarness;

beforeAll(async () => {
  cds = await startCds({}, { now: () => fixedNow });
});
afterAll(async () => {
  await cds?.close();
});

const searchset = (resources: object[] = []) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
});

/** 17.2 with `fhirServer` pointing at the fake FHIR server (the vector's host does not exist). */
function patientView(): typeof patientViewRequest {
  const request = structuredClone(patientViewRequest);
  request.fhirServer = cds.fhir.baseUrl;
  return request;
}

function orderSign(): typeof orderSignRequest {
  const request = structuredClone(orderSignRequest);
  request.fhirServer = cds.fhir.baseUrl;
  return request;
}

async function cardsOf(response: Response): Promise<CdsResponse> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as CdsResponse;
  expect(validateCdsResponse(body, { allowHttpUrls: true }).ok).toBe(true);
  return body;
}

async function expectOutcome(
  response: Response,
  status: number,
  pattern?: RegExp,
): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as {
    resourceType: string;
    issue: { diagnostics: string }[];
  };
  expect(body.resourceType).toBe('OperationOutcome');
  const diagnostics = body.issue[0]?.diagnostics ?? '';
  if (pattern) expect(diagnostics).toMatch(pattern);
  return diagnostics;
}

describe('CDS Hooks 2.0 §Discovery (DISC-1, DISC-2, DISC-4, DISC-5)', () => {
  it('lists every service with hook, id, description and lint-clean prefetch templates', async () => {
    const response = await fetch(`${cds.baseUrl}/cds-services`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      services: {
        hook: string;
        id: string;
        description: string;
        prefetch: Record<string, string>;
      }[];
    };
    expect(body.services.map((s) => [s.hook, s.id])).toEqual([
      ['patient-view', 'bedside-patient-view'],
      ['order-select', 'bedside-order-select'],
      ['order-sign', 'bedside-order-sign'],
      ['appointment-book', 'bedside-appointment-book'],
    ]);
    for (const service of body.services) {
      expect(service.description.length).toBeGreaterThan(10);
      for (const template of Object.values(service.prefetch)) {
        expect(lintPrefetchTemplate(template, { hook: service.hook }).errors).toEqual([]);
      }
    }
  });

  it('verifies a JWT when one is sent, with aud = the discovery URL', async () => {
    const good = await cds.sign(`${cds.baseUrl}/cds-services`);
    expect(
      (await fetch(`${cds.baseUrl}/cds-services`, { headers: { authorization: `Bearer ${good}` } }))
        .status,
    ).toBe(200);
    const wrongAud = await cds.sign(`${cds.baseUrl}/cds-services/bedside-patient-view`);
    await expectOutcome(
      await fetch(`${cds.baseUrl}/cds-services`, {
        headers: { authorization: `Bearer ${wrongAud}` },
      }),
      401,
      /^Unauthorized\.$/,
    );
  });
});

describe('CORS-1: preflight without JWT, headers on errors too', () => {
  it('answers OPTIONS with 204 and the allowed methods and headers', async () => {
    const response = await fetch(`${cds.baseUrl}/cds-services/bedside-order-sign`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://sandbox.cds-hooks.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'Authorization, Content-Type',
    );
  });

  it('puts the CORS header on a 401, a 404 and a 400', async () => {
    const origin = { origin: 'https://sandbox.cds-hooks.org' };
    const unauthorized = await fetch(`${cds.baseUrl}/cds-services/bedside-order-sign`, {
      method: 'POST',
      headers: { ...origin, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*');
    const notFound = await cds.post('/cds-services/nope', patientView(), { headers: origin });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('access-control-allow-origin')).toBe('*');
    const bad = await cds.post('/cds-services/bedside-patient-view', 'not json', {
      headers: origin,
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('only allow-listed origins get the header when a list is configured', async () => {
    const strict = await startCds({ CDS_CORS_ORIGINS: 'http://ehr.test:4000' });
    try {
      const allowed = await fetch(`${strict.baseUrl}/cds-services`, {
        headers: { origin: 'http://ehr.test:4000' },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://ehr.test:4000');
      const other = await fetch(`${strict.baseUrl}/cds-services`, {
        headers: { origin: 'https://evil.test' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await strict.close();
    }
  });
});

describe('patient-view (cds-hooks.md 17.2 / 17.3, PF-10, PF-11)', () => {
  it('17.2: answers the HbA1c card of 17.3 and fetches the keys it was not sent, with the bearer token', async () => {
    cds.fhir.requests.length = 0;
    const body = await cardsOf(await cds.post('/cds-services/bedside-patient-view', patientView()));
    const hba1c = body.cards.find((card) => card.summary.startsWith('HbA1c'));
    expect(hba1c).toMatchObject({
      summary: 'HbA1c 8.9% on 2024-01-10 is above the 7% target and over 6 months old',
      indicator: 'warning',
      source: { label: 'Bedside Diabetes Guidance', topic: { code: 'chronic-disease-monitoring' } },
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
    });
    expect(hba1c?.detail).toContain('| HbA1c | 2024-01-10 | **8.9 %** |');
    // observations, medications and procedures were not prefetched: read with the token (AUTH-3).
    expect(cds.fhir.requests.map((r) => r.url.split('?')[0]).sort()).toEqual([
      '/fhir/MedicationRequest',
      '/fhir/Observation',
      '/fhir/Procedure',
    ]);
    expect(cds.fhir.requests[0]?.url).toContain('patient=1288992');
    for (const request of cds.fhir.requests)
      expect(request.authorization).toBe('Bearer opaque-access-token-0001');
  });

  it('17.2 variant: no hba1c prefetch, fhirServer or token ⇒ 412', async () => {
    const request = patientView() as Mutable;
    delete request['prefetch'].hba1c;
    delete request['fhirAuthorization'];
    delete request['fhirServer'];
    await expectOutcome(
      await cds.post('/cds-services/bedside-patient-view', request),
      412,
      /cannot be fetched/,
    );
  });

  it('17.2 variant: conditions null means "no data" ⇒ 200 without the diabetes card (never 412 on null)', async () => {
    const request = patientView();
    (request.prefetch as Record<string, unknown>)['conditions'] = null;
    const body = await cardsOf(await cds.post('/cds-services/bedside-patient-view', request));
    expect(body.cards.some((card) => card.summary.startsWith('HbA1c'))).toBe(false);
  });

  it('17.2 variant: fhirAuthorization without fhirServer ⇒ 400 naming the rule (cds-r-1)', async () => {
    const request = patientView() as Mutable;
    delete request['fhirServer'];
    await expectOutcome(
      await cds.post('/cds-services/bedside-patient-view', request),
      400,
      /fhirServer/,
    );
  });

  it('a prefetch value that is an OperationOutcome is re-read from fhirServer (PF-10)', async () => {
    cds.fhir.requests.length = 0;
    const request = patientView();
    (request.prefetch as Record<string, unknown>)['conditions'] = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'timeout' }],
    };
    cds.fhir.responses.set('Condition', searchset([]));
    await cardsOf(await cds.post('/cds-services/bedside-patient-view', request));
    expect(cds.fhir.requests.some((r) => r.url.startsWith('/fhir/Condition?patient=1288992'))).toBe(
      true,
    );
    cds.fhir.responses.delete('Condition');
  });

  it('the app link card opens the web app launch URL on this patient (smart link, appContext)', async () => {
    const body = await cardsOf(await cds.post('/cds-services/bedside-patient-view', patientView()));
    const link = body.cards.flatMap((card) => card.links ?? [])[0];
    expect(link).toEqual({
      label: 'Open Bedside',
      url: 'http://app.test:3000/launch',
      type: 'smart',
      appContext: JSON.stringify({ patient: '1288992', view: 'summary' }),
    });
  });
});

const LOINC = 'http://loinc.org';
const obs = (id: string, code: string, value: number, unit = 'mg/dL') => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: LOINC, code }] },
  subject: { reference: 'Patient/ascvd-1' },
  effectiveDateTime: '2024-08-01',
  valueQuantity: { value, unit },
});

function ascvdRequest(medications: object[]) {
  return {
    hook: 'patient-view',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/example', patientId: 'ascvd-1' },
    prefetch: {
      patient: { resourceType: 'Patient', id: 'ascvd-1', gender: 'male', birthDate: '1962-05-01' },
      observations: searchset([
        obs('tc', '2093-3', 240),
        obs('hdl', '2085-9', 38),
        obs('sbp', '8480-6', 150, 'mm[Hg]'),
        {
          resourceType: 'Observation',
          id: 'smoke',
          status: 'final',
          code: { coding: [{ system: LOINC, code: '72166-2' }] },
          effectiveDateTime: '2024-08-01',
          valueCodeableConcept: {
            coding: [{ system: 'http://snomed.info/sct', code: '449868002' }],
          },
        },
      ]),
      conditions: searchset([]),
      medications: searchset(medications),
      procedures: null,
      hba1c: null,
    },
  };
}

describe('patient-view: ASCVD risk (2013 ACC/AHA Pooled Cohort Equations)', () => {
  it('risk ≥ 7.5% without a statin: warning card with a statin suggestion', async () => {
    const body = await cardsOf(
      await cds.post('/cds-services/bedside-patient-view', ascvdRequest([])),
    );
    const card = body.cards[0] as CdsCard;
    expect(card.summary).toMatch(
      /^10-year ASCVD risk \d+(\.\d)?% \(≥ 7\.5%\) and no statin: consider a moderate-intensity statin$/,
    );
    expect(card.indicator).toBe('warning');
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions?.[0]).toMatchObject({
      label: 'Order atorvastatin 20 mg daily',
      isRecommended: true,
      actions: [
        {
          type: 'create',
          resource: {
            resourceType: 'MedicationRequest',
            status: 'draft',
            subject: { reference: 'Patient/ascvd-1' },
          },
        },
      ],
    });
    expect(card.suggestions?.[0]?.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('with an active statin: an information card, no suggestion', async () => {
    const statin = {
      resourceType: 'MedicationRequest',
      id: 'statin',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/ascvd-1' },
      medicationCodeableConcept: {
        coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '83367' }],
      },
    };
    const body = await cardsOf(
      await cds.post('/cds-services/bedside-patient-view', ascvdRequest([statin])),
    );
    expect(body.cards[0]).toMatchObject({
      indicator: 'info',
      summary: expect.stringMatching(/, on a statin$/),
    });
    expect(body.cards[0]?.suggestions).toBeUndefined();
  });

  it('lists overdue screenings', async () => {
    const body = await cardsOf(
      await cds.post('/cds-services/bedside-patient-view', ascvdRequest([])),
    );
    expect(body.cards.map((card) => card.summary)).toContain(
      'Overdue: colorectal cancer screening',
    );
  });
});

describe('order-sign (cds-hooks.md 17.4 / 17.5)', () => {
  it('17.4: a critical penicillin-allergy card whose suggestions remove or replace the order, and a DetectedIssue system action', async () => {
    const body = await cardsOf(await cds.post('/cds-services/bedside-order-sign', orderSign()));
    expect(body.cards).toHaveLength(1);
    const card = body.cards[0] as CdsCard;
    expect(card).toMatchObject({
      summary: 'Penicillin allergy (high criticality): amoxicillin order may cause a reaction',
      indicator: 'critical',
      selectionBehavior: 'at-most-one',
      source: { label: 'Bedside Medication Safety', topic: { code: 'drug-allergy' } },
    });
    expect(card.suggestions?.map((s) => s.label)).toEqual([
      'Replace with azithromycin 500 mg on day 1, then 250 mg daily',
      'Remove the amoxicillin order',
    ]);
    expect(
      card.suggestions?.[0]?.actions?.map((a) => [
        a.type,
        a.resourceId ?? a.resource?.['resourceType'],
      ]),
    ).toEqual([
      ['delete', 'MedicationRequest/draft-amox-1'],
      ['create', 'MedicationRequest'],
    ]);
    expect(card.suggestions?.[1]?.actions).toEqual([
      {
        type: 'delete',
        description: 'Remove the draft amoxicillin order',
        resourceId: 'MedicationRequest/draft-amox-1',
      },
    ]);
    expect(card.overrideReasons?.map((r) => r.code)).toEqual([
      'tolerated-before',
      'benefit-outweighs-risk',
    ]);
    expect(card.detail).toBe(
      'Active, confirmed **penicillin** allergy (AllergyIntolerance/pcn-1: Allergy to penicillin). Draft order *amoxicillin 500 mg capsule* is a penicillin-class drug.',
    );
    expect(card.suggestions?.[0]?.actions?.[1]?.description).toBe('Add a draft azithromycin order');
    expect(card.suggestions?.[0]?.isRecommended).toBe(true);
    expect((body.systemActions?.[0]?.resource as unknown as { detail: string }).detail).toBe(
      'Draft amoxicillin order conflicts with an active penicillin allergy.',
    );
    expect(body.systemActions).toEqual([
      expect.objectContaining({
        type: 'create',
        description: 'Record the detected drug-allergy issue',
        resource: expect.objectContaining({
          resourceType: 'DetectedIssue',
          implicated: [
            { reference: 'MedicationRequest/draft-amox-1' },
            { reference: 'AllergyIntolerance/pcn-1' },
          ],
        }),
      }),
    ]);
  });

  it('17.4 variant: draftOrders without Bundle.type is still 200 (CTX-4)', async () => {
    const request = orderSign() as { context: { draftOrders: { type?: string } } };
    delete request.context.draftOrders.type;
    expect((await cds.post('/cds-services/bedside-order-sign', request)).status).toBe(200);
  });

  it.each([
    [
      'userId Patient/1288992 (not allowed for order-sign)',
      (r: Mutable) => {
        r['context'].userId = 'Patient/1288992';
      },
      /userId/,
    ],
    [
      'no draftOrders',
      (r: Mutable) => {
        delete r['context'].draftOrders;
      },
      /draftOrders/,
    ],
    [
      'hook patient-view on the order-sign service',
      (r: Mutable) => {
        r['hook'] = 'patient-view';
      },
      /hook/,
    ],
    [
      'no hookInstance',
      (r: Mutable) => {
        delete r['hookInstance'];
      },
      /hookInstance/,
    ],
    [
      'no context',
      (r: Mutable) => {
        delete r['context'];
      },
      /context/,
    ],
  ])('17.4 variant: %s ⇒ 400', async (_name, mutate, pattern) => {
    const request = orderSign() as unknown as Mutable;
    mutate(request);
    await expectOutcome(await cds.post('/cds-services/bedside-order-sign', request), 400, pattern);
  });

  it('17.4 variant: no allergies prefetch and no fhirServer ⇒ 412', async () => {
    const request = orderSign() as Mutable;
    delete request['prefetch'].allergies;
    delete request['fhirServer'];
    await expectOutcome(
      await cds.post('/cds-services/bedside-order-sign', request),
      412,
      /allergies/,
    );
  });

  it('a body sent as text/plain that is not JSON ⇒ 400 with the CORS header', async () => {
    const response = await cds.post('/cds-services/bedside-order-sign', 'hello', {
      headers: { 'content-type': 'text/plain', origin: 'https://ehr.test' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    await expectOutcome(response, 400, /^The body is not valid JSON\.$/);
  });

  it('a body that is not JSON ⇒ 400; an unknown service ⇒ 404', async () => {
    await expectOutcome(
      await cds.post('/cds-services/bedside-order-sign', '{"hook":'),
      400,
      /^The body is not valid JSON\.$/,
    );
    await expectOutcome(
      await cds.post('/cds-services/no-such-service', orderSign()),
      404,
      /no-such-service/,
    );
  });

  it('duplicate therapy: a draft simvastatin with active atorvastatin gets a card that removes the draft', async () => {
    const request = orderSign() as Mutable;
    request['context'].draftOrders.entry[0].resource.medicationCodeableConcept = {
      text: 'simvastatin 20 mg tablet',
    };
    request['context'].draftOrders.entry[0].resource.id = 'draft-simva-1';
    request['prefetch'].activeMeds = searchset([
      {
        resourceType: 'MedicationRequest',
        id: 'atorva-1',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/1288992' },
        medicationCodeableConcept: { text: 'atorvastatin 40 mg tablet' },
      },
    ]);
    const body = await cardsOf(await cds.post('/cds-services/bedside-order-sign', request));
    expect(body.cards).toHaveLength(1);
    expect(body.cards[0]).toMatchObject({
      summary:
        'Duplicate therapy: simvastatin 20 mg tablet and atorvastatin 40 mg tablet (both are statins)',
      indicator: 'warning',
      selectionBehavior: 'at-most-one',
      suggestions: [
        { actions: [{ type: 'delete', resourceId: 'MedicationRequest/draft-simva-1' }] },
      ],
    });
  });
});

describe('order-select: prior authorization for imaging (Da Vinci CRD coverage-information)', () => {
  it('a selected MRI gets a prior-auth card and an update system action with the coverage-information extension', async () => {
    const mri = {
      resourceType: 'ServiceRequest',
      id: 'draft-mri-1',
      status: 'draft',
      intent: 'order',
      category: [
        { coding: [{ system: 'http://snomed.info/sct', code: '363679005', display: 'Imaging' }] },
      ],
      code: { text: 'MRI lumbar spine without contrast' },
      subject: { reference: 'Patient/1288992' },
    };
    const request = {
      hook: 'order-select',
      hookInstance: crypto.randomUUID(),
      context: {
        userId: 'Practitioner/example',
        patientId: '1288992',
        selections: ['ServiceRequest/draft-mri-1'],
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: mri }] },
      },
      prefetch: {
        allergies: searchset([]),
        activeMeds: searchset([]),
        coverage: searchset([
          {
            resourceType: 'Coverage',
            id: 'cov-1',
            status: 'active',
            payor: [{ display: 'Acme Health' }],
          },
        ]),
      },
    };
    const body = await cardsOf(await cds.post('/cds-services/bedside-order-select', request));
    expect(body.cards).toEqual([
      expect.objectContaining({
        summary:
          'Prior authorization required by Acme Health for MRI lumbar spine without contrast',
        indicator: 'warning',
        source: expect.objectContaining({ label: 'Acme Health' }),
      }),
    ]);
    const action = body.systemActions?.[0];
    expect(action?.type).toBe('update');
    const resource = action?.resource as unknown as {
      id: string;
      code: unknown;
      extension: { url: string; extension: { url: string }[] }[];
    };
    expect(resource.id).toBe('draft-mri-1');
    expect(resource.code).toEqual(mri.code);
    expect(resource.extension[0]?.url).toBe(
      'http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information',
    );
    expect(resource.extension[0]?.extension).toEqual([
      { url: 'coverage', valueReference: { reference: 'Coverage/cov-1' } },
      { url: 'covered', valueCode: 'covered' },
      { url: 'pa-needed', valueCode: 'auth-needed' },
      { url: 'doc-needed', valueCode: 'clinical' },
      { url: 'date', valueDate: '2024-09-01' },
      { url: 'coverage-assertion-id', valueString: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
  });

  it('a selection that is not in draftOrders ⇒ 400 (CTX-3)', async () => {
    const request = {
      hook: 'order-select',
      hookInstance: crypto.randomUUID(),
      context: {
        userId: 'Practitioner/example',
        patientId: '1288992',
        selections: ['ServiceRequest/missing'],
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [] },
      },
      prefetch: { allergies: searchset([]), activeMeds: searchset([]) },
    };
    await expectOutcome(
      await cds.post('/cds-services/bedside-order-select', request),
      400,
      /selections/,
    );
  });
});

describe('appointment-book: care gaps reminder', () => {
  it('lists the open care gaps, statin gap included', async () => {
    const base = ascvdRequest([]);
    const request = {
      ...base,
      hook: 'appointment-book',
      context: {
        ...base.context,
        appointments: {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            {
              resource: {
                resourceType: 'Appointment',
                id: 'appt-1',
                status: 'proposed',
                participant: [{ actor: { reference: 'Patient/ascvd-1' }, status: 'needs-action' }],
              },
            },
          ],
        },
      },
    };
    const body = await cardsOf(await cds.post('/cds-services/bedside-appointment-book', request));
    expect(body.cards).toHaveLength(1);
    expect(body.cards[0]?.summary).toBe('2 open care gaps to address at this appointment');
    expect(body.cards[0]?.detail).toContain('Statin therapy not started');
  });
});

describe('feedback (cds-hooks.md 17.6, FB-2, FB-4)', () => {
  it('accepts 17.6 bodies with 200 {} and writes each item to the audit log', async () => {
    const accepted = await cds.post('/cds-services/bedside-order-sign/feedback', acceptedFeedback);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({});
    expect(
      (await cds.post('/cds-services/bedside-patient-view/feedback', overriddenFeedback)).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rows = await cds.prisma.auditEvent.findMany({
      where: { action: 'cds.feedback', outcome: 'success' },
      orderBy: { id: 'asc' },
    });
    expect(
      rows.map((row) => [
        row.actor,
        (row.detail as { card: string }).card,
        (row.detail as { outcome: string }).outcome,
      ]),
    ).toEqual([
      [clientIssuer, '9368d37b-283f-44a0-93ea-547cebab93ed', 'accepted'],
      [clientIssuer, '4e0a3a1e-3283-4575-ab82-028d55fe2719', 'overridden'],
      [clientIssuer, '9368d37b-283f-44a0-93ea-547cebab93ed', 'overridden'],
    ]);
  });

  it.each([
    [
      'accepted without acceptedSuggestions (cds-fb-2)',
      {
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        outcome: 'accepted',
        outcomeTimestamp: '2024-03-01T15:04:05Z',
      },
      /acceptedSuggestions/,
    ],
    [
      'outcome dismissed (cds-fb-1)',
      {
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        outcome: 'dismissed',
        outcomeTimestamp: '2024-03-01T15:04:05Z',
      },
      /outcome/,
    ],
    [
      'empty overrideReason (cds-fb-3)',
      {
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        outcome: 'overridden',
        overrideReason: {},
        outcomeTimestamp: '2024-03-01T15:04:05Z',
      },
      /overrideReason/,
    ],
  ])('%s ⇒ 400', async (_name, item, pattern) => {
    await expectOutcome(
      await cds.post('/cds-services/bedside-order-sign/feedback', { feedback: [item] }),
      400,
      pattern,
    );
  });

  it('feedback to an unknown service ⇒ 404', async () => {
    await expectOutcome(await cds.post('/cds-services/nope/feedback', acceptedFeedback), 404);
  });
});

describe('audit log: every call is written', () => {
  it('records successful and refused hook calls with the client, hook and patient', async () => {
    const before = await cds.prisma.auditEvent.count({ where: { action: 'cds.hook' } });
    await cds.post('/cds-services/bedside-order-sign', orderSign());
    await fetch(`${cds.baseUrl}/cds-services/bedside-order-sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rows = await cds.prisma.auditEvent.findMany({
      where: { action: 'cds.hook' },
      orderBy: { id: 'desc' },
      take: 2,
    });
    expect(await cds.prisma.auditEvent.count({ where: { action: 'cds.hook' } })).toBe(before + 2);
    expect(
      rows.map((row) => [
        row.actor,
        row.outcome,
        row.patientId,
        (row.detail as { status: number }).status,
      ]),
    ).toEqual([
      ['anonymous', 'failure', null, 401],
      [clientIssuer, 'success', '1288992', 200],
    ]);
  });
});

describe('CDS Client JWT (cds-hooks.md §17.7 negatives: 401 with no detail)', () => {
  const path = '/cds-services/bedside-order-sign';
  const url = () => `${cds.baseUrl}${path}`;

  async function expect401(token: string, authorization = `Bearer ${token}`) {
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(orderSign()),
    });
    await expectOutcome(response, 401, /^Unauthorized\.$/);
  }

  it.each([
    ['RS384', 'rs384'],
    ['ES384', 'es384'],
  ] as const)(
    'accepts %s, aud as a one-element array, and Epic-style sub + nbf',
    async (_alg, key) => {
      const token = await cds.sign([url()], {
        key: cds.keys[key],
        claims: { sub: 'client-id', nbf: Math.floor(Date.now() / 1000) - 300 },
      });
      expect((await cds.post(path, orderSign(), { token })).status).toBe(200);
    },
  );

  it('alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'rs-1' })).toString(
      'base64url',
    );
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        iss: clientIssuer,
        aud: url(),
        iat: now,
        exp: now + 300,
        jti: crypto.randomUUID(),
      }),
    ).toString('base64url');
    await expect401(`${header}.${payload}.`);
  });

  it('HS256 signed with the public key as secret (alg confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(cds.keys.rs384.publicJwk));
    const token = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'rs-1' })
      .setIssuer(clientIssuer)
      .setAudience(url())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(secret);
    await expect401(token);
  });

  it.each([
    ['aud = the discovery URL on a hook call', () => cds.sign(`${cds.baseUrl}/cds-services`)],
    ['exp 2 minutes ago', () => cds.sign(url(), { iatOffset: -420, lifetime: 300 })],
    [
      'nbf 2 minutes ahead',
      () => cds.sign(url(), { claims: { nbf: Math.floor(Date.now() / 1000) + 120 } }),
    ],
    ['iat 2 minutes ahead', () => cds.sign(url(), { iatOffset: 120 })],
    ['iss not allow-listed', () => cds.sign(url(), { issuer: 'https://other-ehr.test/' })],
    [
      'jku not allow-listed for iss',
      () => cds.sign(url(), { header: { jku: 'http://127.0.0.1:9/jwks.json' } }),
    ],
    [
      'kid absent from the JWKS after a refresh',
      () => cds.sign(url(), { key: cds.keys.unpublished }),
    ],
    ['typ at+jwt', () => cds.sign(url(), { header: { typ: 'at+jwt' } })],
    ['missing jti', () => cds.sign(url(), { claims: { jti: undefined } })],
    ['lifetime over one hour', () => cds.sign(url(), { lifetime: 7200 })],
  ])('%s', async (_name, mint) => {
    await expect401(await mint());
  });

  it('aud = the service URL on its feedback URL', async () => {
    const token = await cds.sign(url());
    await expectOutcome(
      await cds.post(`${path}/feedback`, acceptedFeedback, { token }),
      401,
      /^Unauthorized\.$/,
    );
  });

  it('a replayed jti (second call with the same token)', async () => {
    const token = await cds.sign(url());
    expect((await cds.post(path, orderSign(), { token })).status).toBe(200);
    await expect401(token);
  });

  it('no token, and a valid token sent as Basic', async () => {
    const token = await cds.sign(url());
    await expect401(token, `Basic ${token}`);
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await expectOutcome(response, 401, /^Unauthorized\.$/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('deadline: a slow FHIR server yields a degraded card, not a time-out (cds-hooks.md §16)', () => {
  it('answers within the hook budget with the cards it has', async () => {
    const slow = await startCds({ CDS_HOOK_DEADLINE_MS: '300' });
    try {
      slow.fhir.delayMs = 3000;
      const request = structuredClone(patientViewRequest);
      request.fhirServer = slow.fhir.baseUrl;
      const started = performance.now();
      const response = await slow.post('/cds-services/bedside-patient-view', request);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(1000);
      const body = (await response.json()) as CdsResponse;
      expect(response.status).toBe(200);
      const degraded = body.cards.find((card) =>
        card.summary.startsWith('Some Bedside checks did not run'),
      );
      expect(degraded?.detail).toBe(
        'Not checked because the EHR’s FHIR server did not answer in time: observations, medications. The other cards are complete.',
      );
      expect(body.cards.some((card) => card.links?.[0]?.type === 'smart')).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
