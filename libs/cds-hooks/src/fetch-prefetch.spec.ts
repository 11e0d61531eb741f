import { afterEach, describe, expect, it, vi } from 'vitest';

import { createFakeFetch, fhirJson, hang, hangForever } from '../test/fake-fetch.js';
import { discoveryResponse, orderSignRequest, patientViewRequest } from './testing/vectors.js';
import { fetchMissingPrefetch } from './fetch-prefetch.js';
import type { CdsServiceRequest } from './types.js';

type Json = Record<string, unknown>;

const PATIENT_VIEW_TEMPLATES = discoveryResponse.services[0]?.prefetch ?? {};
const ORDER_SIGN_TEMPLATES = discoveryResponse.services[1]?.prefetch ?? {};
const HBA1C_URL =
  'https://ehr.example.org/fhir/Observation?patient=1288992&code=4548-4&_sort=-date&_count=1';
const OUTCOME = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'forbidden' }],
};

function request(
  base: object,
  mutate: (body: Json & { prefetch: Json }) => void = () => undefined,
) {
  const body = structuredClone(base) as Json & { prefetch: Json };
  mutate(body);
  return body as unknown as CdsServiceRequest;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CDS Hooks 2.0 §Prefetch Template — 412 matrix of the checklist (PF-10, PF-11, §17.2, §17.4)', () => {
  it('17.2 complete: nothing is fetched', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest),
      fetch,
    });
    expect(fetch.calls).toEqual([]);
    expect(result).toMatchObject({ fetched: [], missing: [], unresolved: [], errors: [] });
    expect(Object.keys(result.prefetch)).toEqual(['patient', 'hba1c', 'conditions']);
  });

  it('17.2 without hba1c, token kept ⇒ GET with Bearer, then 200', async () => {
    const bundle = (patientViewRequest.prefetch as Json)['hba1c'];
    const fetch = createFakeFetch({ [`GET ${HBA1C_URL}`]: () => fhirJson(bundle) });
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => delete b.prefetch['hba1c']),
      fetch,
    });
    expect(fetch.calls).toEqual([
      {
        method: 'GET',
        url: HBA1C_URL,
        headers: {
          accept: 'application/fhir+json',
          authorization: 'Bearer opaque-access-token-0001',
        },
      },
    ]);
    expect(result).toMatchObject({ fetched: ['hba1c'], missing: [], errors: [] });
    expect(result.prefetch['hba1c']).toEqual(bundle);
  });

  it('17.2 without hba1c, fhirAuthorization and fhirServer ⇒ missing (412)', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => {
        delete b.prefetch['hba1c'];
        delete b['fhirAuthorization'];
        delete b['fhirServer'];
      }),
      fetch,
    });
    expect(fetch.calls).toEqual([]);
    expect(result).toMatchObject({
      missing: ['hba1c'],
      errors: [{ key: 'hba1c', code: 'no_fhir_server', message: 'the request has no fhirServer' }],
    });
  });

  it('17.2 with conditions null ⇒ kept as null, not fetched, not missing', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => (b.prefetch['conditions'] = null)),
      fetch,
    });
    expect(fetch.calls).toEqual([]);
    expect(result.prefetch['conditions']).toBeNull();
    expect(result.missing).toEqual([]);
  });

  it('17.4 without allergies and without token ⇒ missing (412), no unauthenticated GET', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: ORDER_SIGN_TEMPLATES,
      request: request(orderSignRequest, (b) => delete b.prefetch['allergies']),
      fetch,
    });
    expect(fetch.calls).toEqual([]);
    expect(result).toMatchObject({
      missing: ['allergies'],
      errors: [
        {
          key: 'allergies',
          code: 'no_authorization',
          message: 'the request has no fhirAuthorization',
        },
      ],
    });
  });

  it('17.4 without allergies, development profile ⇒ unauthenticated GET (PF-11, sandbox)', async () => {
    const url =
      'https://ehr.example.org/fhir/AllergyIntolerance?patient=1288992&clinical-status=active';
    const empty = { resourceType: 'Bundle', type: 'searchset', total: 0 };
    const fetch = createFakeFetch({ [`GET ${url}`]: () => fhirJson(empty) });
    const result = await fetchMissingPrefetch({
      templates: ORDER_SIGN_TEMPLATES,
      request: request(orderSignRequest, (b) => delete b.prefetch['allergies']),
      fetch,
      allowUnauthenticated: true,
    });
    expect(fetch.calls).toEqual([
      { method: 'GET', url, headers: { accept: 'application/fhir+json' } },
    ]);
    expect(result).toMatchObject({ fetched: ['allergies'], missing: [], errors: [] });
  });

  it('an OperationOutcome in prefetch and no token ⇒ missing (412), outcome passed on', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => {
        b.prefetch['hba1c'] = OUTCOME;
        delete b['fhirAuthorization'];
      }),
      fetch,
    });
    expect(result.prefetch).not.toHaveProperty('hba1c');
    expect(result).toMatchObject({
      missing: ['hba1c'],
      errors: [{ key: 'hba1c', code: 'no_authorization', outcome: OUTCOME }],
    });
  });

  it('an OperationOutcome in prefetch and a token ⇒ fetched again', async () => {
    const bundle = { resourceType: 'Bundle', type: 'searchset', total: 0 };
    const fetch = createFakeFetch({ [`GET ${HBA1C_URL}`]: () => fhirJson(bundle) });
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => (b.prefetch['hba1c'] = OUTCOME)),
      fetch,
    });
    expect(result).toMatchObject({ fetched: ['hba1c'], missing: [], errors: [] });
    expect(result.prefetch['hba1c']).toEqual(bundle);
  });

  it('fetches every missing key in parallel and keeps the others (partial prefetch)', async () => {
    const patient = { resourceType: 'Patient', id: '1288992' };
    const started: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetch = createFakeFetch({
      'GET https://ehr.example.org/fhir/Patient/1288992': async (r) => {
        started.push(r.url);
        await gate;
        return fhirJson(patient);
      },
      [`GET ${HBA1C_URL}`]: (r) => {
        started.push(r.url);
        release();
        return fhirJson({ resourceType: 'Bundle', type: 'searchset' });
      },
    });
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => {
        delete b.prefetch['patient'];
        delete b.prefetch['hba1c'];
      }),
      fetch,
    });
    // The patient read waits for the hba1c search to start: only parallel reads finish.
    expect(started).toHaveLength(2);
    expect(result.fetched).toEqual(['patient', 'hba1c']);
    expect(Object.keys(result.prefetch).sort()).toEqual(['conditions', 'hba1c', 'patient']);
  });

  it('only fetches the keys asked for', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: PATIENT_VIEW_TEMPLATES,
      request: request(patientViewRequest, (b) => delete b.prefetch['hba1c']),
      keys: ['patient'],
      fetch,
    });
    expect(fetch.calls).toEqual([]);
    expect(result.missing).toEqual([]);
  });
});

describe('CDS Hooks 2.0 §Prefetch Template — FHIR answers (PF-8)', () => {
  const templates = {
    patient: 'Patient/{{context.patientId}}',
    encounter: 'Encounter/{{context.encounterId}}',
  };
  const base = () =>
    request(patientViewRequest, (b) => {
      delete (b as Json)['prefetch'];
      delete (b['context'] as Json)['encounterId'];
    });

  it('a read answered 404 ⇒ null (no data)', async () => {
    const fetch = createFakeFetch({
      'GET https://ehr.example.org/fhir/Patient/1288992': () => fhirJson(OUTCOME, 404),
    });
    const result = await fetchMissingPrefetch({ templates, request: base(), fetch });
    expect(result).toMatchObject({
      prefetch: { patient: null },
      fetched: ['patient'],
      missing: [],
      unresolved: ['encounter'],
    });
  });

  it('a search answered 500 ⇒ http_error with the OperationOutcome', async () => {
    const url = 'https://ehr.example.org/fhir/Condition?patient=1288992';
    const fetch = createFakeFetch({ [`GET ${url}`]: () => fhirJson(OUTCOME, 500) });
    const result = await fetchMissingPrefetch({
      templates: { conditions: 'Condition?patient={{context.patientId}}' },
      request: base(),
      fetch,
    });
    expect(result).toEqual({
      prefetch: {},
      fetched: [],
      missing: ['conditions'],
      unresolved: [],
      errors: [
        {
          key: 'conditions',
          code: 'http_error',
          message: 'the FHIR server answered 500',
          url,
          status: 500,
          outcome: OUTCOME,
        },
      ],
    });
  });

  it('a 200 that is not a FHIR resource ⇒ invalid_response', async () => {
    const fetch = createFakeFetch({
      'GET https://ehr.example.org/fhir/Patient/1288992': () => new Response('<html></html>'),
    });
    const result = await fetchMissingPrefetch({ templates, request: base(), fetch });
    expect(result.errors).toEqual([
      {
        key: 'patient',
        code: 'invalid_response',
        message: 'the FHIR server did not return a FHIR resource',
        url: 'https://ehr.example.org/fhir/Patient/1288992',
        status: 200,
      },
    ]);
  });

  it('a network failure ⇒ network_error', async () => {
    const fetch = createFakeFetch({
      'GET https://ehr.example.org/fhir/Patient/1288992': () => {
        throw new TypeError('fetch failed');
      },
    });
    const result = await fetchMissingPrefetch({ templates, request: base(), fetch });
    expect(result.errors).toEqual([
      {
        key: 'patient',
        code: 'network_error',
        message: 'fetch failed',
        url: 'https://ehr.example.org/fhir/Patient/1288992',
      },
    ]);
  });

  it('never sends the token outside fhirServer', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates: { escape: '../../admin/{{context.patientId}}' },
      request: base(),
      fetch,
    });
    expect(fetch.calls).toEqual([]);
    expect(result.errors).toEqual([
      {
        key: 'escape',
        code: 'outside_fhir_server',
        message: 'the resolved prefetch URL is outside fhirServer',
      },
    ]);
  });
});

describe('CDS Hooks 2.0 §Providing FHIR Resources — deadline (§16)', () => {
  const templates = { patient: 'Patient/{{context.patientId}}' };
  const patientUrl = 'https://ehr.example.org/fhir/Patient/1288992';
  const base = () => request(patientViewRequest, (b) => delete (b as Json)['prefetch']);

  it('sends nothing when the deadline has already passed', async () => {
    const fetch = createFakeFetch({});
    const result = await fetchMissingPrefetch({
      templates,
      request: base(),
      fetch,
      now: () => 10_000,
      deadlineMs: 10_000,
    });
    expect(fetch.calls).toEqual([]);
    expect(result.errors).toEqual([
      { key: 'patient', code: 'timeout', message: 'the deadline passed', url: patientUrl },
    ]);
  });

  it.each([
    ['a fetch that honours the abort signal', hang],
    ['a fetch that ignores it', hangForever],
  ])('aborts at the deadline with %s', async (_name, route) => {
    vi.useFakeTimers();
    const fetch = createFakeFetch({ [`GET ${patientUrl}`]: route });
    const pending = fetchMissingPrefetch({
      templates,
      request: base(),
      fetch,
      now: () => 1_000,
      deadlineMs: 1_500,
    });
    await vi.advanceTimersByTimeAsync(500);
    const result = await pending;
    expect(result).toMatchObject({
      missing: ['patient'],
      errors: [{ key: 'patient', code: 'timeout', message: 'the deadline passed' }],
    });
  });

  it('stops when the caller aborts', async () => {
    const fetch = createFakeFetch({ [`GET ${patientUrl}`]: hang });
    const controller = new AbortController();
    const pending = fetchMissingPrefetch({
      templates,
      request: base(),
      fetch,
      signal: controller.signal,
    });
    controller.abort();
    expect((await pending).errors).toEqual([
      { key: 'patient', code: 'aborted', message: 'aborted', url: patientUrl },
    ]);
  });
});
