import { InMemoryTokenStore, TokenLifecycle } from '@bedside/smart-auth';
import { describe, expect, it } from 'vitest';

import {
  AccessRestrictedError,
  FhirClient,
  RateLimiter,
  UnsafeLinkError,
  WriteNotSupportedError,
  adapterFor,
} from '../src/index.js';
import { FAKE_EHR_DATA } from '../src/testing/index.js';

import type { Resource } from '@bedside/fhir-model';

import type { FhirRequestError } from '../src/index.js';

import { createClock, createHarness, runLaunch, T0 } from './flows.js';

/** Laboratory observations in the fake (every id not divisible by 3). */
const LABS = FAKE_EHR_DATA.observationCount - Math.floor(FAKE_EHR_DATA.observationCount / 3);

async function launched(
  vendor: Parameters<typeof createHarness>[0],
  options: Parameters<typeof createHarness>[1] = {},
) {
  const harness = await createHarness(vendor, options);
  return { harness, ...(await runLaunch(harness, 'ehr')) };
}

describe('FhirClient.search — paging (FHIR R4 §http search; quirk rows 36-39)', () => {
  it.each(['generic', 'epic', 'oracle', 'athena', 'ecw'] as const)(
    '%s: every page followed, duplicates across pages dropped (row 37)',
    async (vendor) => {
      const { fhir, harness } = await launched(vendor);
      const result = await fhir.search('Observation', { category: 'laboratory', _count: '50' });
      expect(result.resources).toHaveLength(LABS);
      expect(new Set(result.resources.map((obs) => obs.id)).size).toBe(result.resources.length);
      expect(result.duplicatesDropped).toBe(result.pages - 1);
      expect(result.pages).toBeGreaterThan(1);
      expect(result.truncated).toBe(false);
      // The fake failed nothing: every request it saw carried FHIR JSON Accept and a token.
      expect(harness.fake.stats.fhirRequests).toBe(result.pages);
    },
  );

  it('row 37: of two versions of one resource the latest is kept, in first-seen position', async () => {
    const adapter = adapterFor('generic');
    const pages = [
      {
        resourceType: 'Bundle',
        link: [{ relation: 'next', url: 'https://ehr/fhir/Observation?page=2' }],
        entry: [
          {
            resource: {
              resourceType: 'Observation',
              id: 'a',
              meta: { versionId: '1', lastUpdated: '2025-01-01T00:00:00Z' },
            },
          },
          { resource: { resourceType: 'Observation', id: 'b', meta: { versionId: '1' } } },
        ],
      },
      {
        resourceType: 'Bundle',
        entry: [
          {
            resource: {
              resourceType: 'Observation',
              id: 'a',
              meta: { versionId: '2', lastUpdated: '2025-02-01T00:00:00Z' },
            },
          },
          { resource: { resourceType: 'Observation', id: 'b', meta: { versionId: '1' } } },
        ],
      },
    ];
    let call = 0;
    const fhir = new FhirClient({
      fhirBaseUrl: 'https://ehr/fhir',
      adapter,
      auth: { fetchWithToken: async () => new Response(JSON.stringify(pages[call++])) },
    });
    const result = await fhir.search<Resource>('Observation');
    expect(result.resources.map((r) => `${r.id}@${r.meta?.versionId}`)).toEqual(['a@2', 'b@1']);
    expect(result.duplicatesDropped).toBe(2);
  });

  it('row 36: Epic outcome entries are warnings, 4119 marks the result partial', async () => {
    const { fhir } = await launched('epic', { partialData: true });
    const result = await fhir.search('Observation', { category: 'vital-signs' });
    expect(result.resources.every((r) => r.resourceType === 'Observation')).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.partial).toBe(true);
  });

  it('row 39: an expired Epic paging session restarts the search from page one', async () => {
    const harness = await createHarness('epic', { pagingSessionTtlMs: 1_000 });
    const outcome = await runLaunch(harness, 'ehr');
    let pagesSeen = 0;
    // The second page is asked for after the paging session expired (once).
    const lifecycle = new TokenLifecycle({
      store: new InMemoryTokenStore((await outcome.store.load())?.tokens),
      tokenEndpoint: outcome.connection.config.token_endpoint,
      client: harness.client,
      fetch: async (request) => {
        if (request.url.includes('_getpages') && pagesSeen++ === 0) harness.clock.advance(5_000);
        return harness.fake.fetch(request);
      },
      now: harness.clock.now,
    });
    const client = new FhirClient({
      fhirBaseUrl: harness.fake.profile.fhirBaseUrl,
      adapter: outcome.connection.adapter,
      auth: lifecycle,
      context: { patient: FAKE_EHR_DATA.patientId },
    });
    const result = await client.search('Observation', { category: 'laboratory' });
    expect(result.restarts).toBe(1);
    expect(new Set(result.resources.map((r) => r.id)).size).toBe(result.resources.length);
    expect(result.resources).toHaveLength(LABS);
  });

  it('row 39: no restart where the vendor does not document it; the typed error surfaces', async () => {
    const adapter = adapterFor('generic');
    const fhir = new FhirClient({
      fhirBaseUrl: 'https://ehr/fhir',
      adapter,
      auth: {
        fetchWithToken: async (request) =>
          request.url.includes('page=2')
            ? new Response(
                JSON.stringify({
                  resourceType: 'OperationOutcome',
                  issue: [
                    { severity: 'error', code: 'expired', details: { coding: [{ code: '4113' }] } },
                  ],
                }),
                { status: 410 },
              )
            : new Response(
                JSON.stringify({
                  resourceType: 'Bundle',
                  link: [{ relation: 'next', url: 'https://ehr/fhir/Observation?page=2' }],
                }),
              ),
      },
    });
    await expect(fhir.search('Observation')).rejects.toMatchObject({ code: 'gone', status: 410 });
  });

  it.each([
    ['another host', 'https://evil.example.org/fhir/Observation?page=2'],
    ['another path on the host', 'https://ehr/other/Observation?page=2'],
    ['a sibling prefix', 'https://ehr/fhirx/Observation'],
  ])('STATE-08: a next link to %s is refused', async (_label, next) => {
    const fhir = new FhirClient({
      fhirBaseUrl: 'https://ehr/fhir',
      adapter: adapterFor('generic'),
      auth: {
        fetchWithToken: async () =>
          new Response(
            JSON.stringify({ resourceType: 'Bundle', link: [{ relation: 'next', url: next }] }),
          ),
      },
    });
    const error = await fhir.search('Observation').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeLinkError);
    expect(error).toMatchObject({ code: 'unsafe_link', status: 502 });
  });

  it('stops at maxPages and says so', async () => {
    const { fhir } = await launched('generic');
    const result = await fhir.search('Observation', { category: 'laboratory' }, { maxPages: 2 });
    expect(result).toMatchObject({ pages: 2, truncated: true });
  });
});

describe('FhirClient — rate limits and 429 (quirk row 46)', () => {
  it('429 + Retry-After: waits and retries', async () => {
    const { fhir, harness } = await launched('generic', {
      throttleNext: { count: 2, retryAfterSeconds: 7 },
    });
    const before = harness.clock.now();
    const patient = await fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(patient.id).toBe(FAKE_EHR_DATA.patientId);
    expect(harness.fake.stats.throttled).toBe(2);
    expect(harness.clock.now() - before).toBe(14_000);
  });

  it('eCW 429 without Retry-After waits the rest of the minute (60 s default)', async () => {
    const { fhir, harness } = await launched('ecw', { throttleNext: { count: 1 } });
    const before = harness.clock.now();
    await fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(harness.clock.now() - before).toBe(60_000);
  });

  it('gives up after maxRetries with a typed rate_limited error', async () => {
    const { fhir } = await launched('generic', {
      throttleNext: { count: 5, retryAfterSeconds: 1 },
    });
    await expect(fhir.read('Patient', FAKE_EHR_DATA.patientId)).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
    });
  });

  it('eCW 250/min per practice base: the shared limiter keeps 300 reads under the fake limit', async () => {
    const harness = await createHarness('ecw');
    const limiter = new RateLimiter({ now: harness.clock.now, sleep: harness.clock.sleep });
    const outcome = await runLaunch(harness, 'ehr', { rateLimiter: limiter });
    for (let i = 0; i < 300; i++) await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(harness.fake.stats.throttled).toBe(0);
  });
});

describe('FhirClient — read, create, update and typed errors', () => {
  it('row 41: Epic Break-the-Glass → AccessRestrictedError (4130)', async () => {
    const { fhir } = await launched('epic');
    const error = await fhir
      .read('Patient', FAKE_EHR_DATA.restrictedPatientId)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessRestrictedError);
    expect(error).toMatchObject({
      code: 'access_restricted',
      status: 403,
      vendorCode: '4130',
      exposable: true,
    });
  });

  it('row 43: Oracle 500 + OperationOutcome → data_quality, not retryable', async () => {
    const { fhir } = await launched('oracle');
    await expect(fhir.read('Observation', FAKE_EHR_DATA.brokenObservationId)).rejects.toMatchObject(
      {
        code: 'data_quality',
        status: 500,
        retryable: false,
      },
    );
  });

  it('row 6: Oracle wrong tenant → tenant_not_accessible', async () => {
    const { harness, lifecycle } = await launched('oracle');
    const wrongBase = 'https://fhir-ehr-code.cerner.com/r4/00000000-0000-0000-0000-000000000000';
    const fhir = new FhirClient({
      fhirBaseUrl: wrongBase,
      adapter: adapterFor('oracle'),
      auth: { fetchWithToken: (request) => harness.fake.fetch(request) },
    });
    void lifecycle;
    await expect(fhir.read('Patient', 'x')).rejects.toMatchObject({
      code: 'tenant_not_accessible',
      status: 403,
    });
  });

  it('404 → not_found with the OperationOutcome', async () => {
    const { fhir } = await launched('generic');
    const error = (await fhir
      .read('Patient', 'nobody')
      .catch((caught: unknown) => caught)) as FhirRequestError;
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
    expect(error.issues[0]?.diagnostics).toBe('Patient/nobody not found');
  });

  it('create then update with If-Match; a stale update is a version_conflict (row 44)', async () => {
    const { fhir } = await launched('oracle');
    const created = await fhir.create<Resource>({
      resourceType: 'Observation',
      status: 'preliminary',
      code: { text: 'BP' },
    });
    expect(created.meta?.versionId).toBe('1');
    const updated = await fhir.update({ ...created, status: 'final' });
    expect(updated).toMatchObject({ status: 'final', meta: { versionId: '2' } });
    await expect(fhir.update({ ...created, status: 'amended' })).rejects.toMatchObject({
      code: 'version_conflict',
      status: 409,
      exposable: true,
    });
    // Oracle requires If-Match: without a version the precondition fails.
    await expect(fhir.update({ ...updated, meta: {} })).rejects.toMatchObject({
      code: 'version_conflict',
      status: 412,
    });
  });

  it.each(['athena', 'ecw'] as const)(
    'row 45: %s writes are refused before anything is sent',
    async (vendor) => {
      const { fhir, harness } = await launched(vendor);
      const sent = harness.fake.stats.requests.length;
      const error = await fhir
        .create({ resourceType: 'Observation', status: 'final', code: {} })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WriteNotSupportedError);
      expect(error).toMatchObject({ code: 'write_not_supported', status: 405 });
      expect(harness.fake.stats.requests.length).toBe(sent);
    },
  );

  it('a read of the wrong type is an invalid_response', async () => {
    const fhir = new FhirClient({
      fhirBaseUrl: 'https://ehr/fhir',
      adapter: adapterFor('generic'),
      auth: {
        fetchWithToken: async () =>
          new Response(JSON.stringify({ resourceType: 'Group', id: '1' })),
      },
    });
    await expect(fhir.read('Patient', '1')).rejects.toMatchObject({
      code: 'invalid_response',
      status: 200,
    });
  });

  it('create without a representation takes id and version from Location', async () => {
    const fhir = new FhirClient({
      fhirBaseUrl: 'https://ehr/fhir',
      adapter: adapterFor('generic'),
      auth: {
        fetchWithToken: async () =>
          new Response(null, {
            status: 201,
            headers: { Location: 'https://ehr/fhir/Observation/o9/_history/4' },
          }),
      },
    });
    const created = await fhir.create({ resourceType: 'Observation', status: 'final', code: {} });
    expect(created).toMatchObject({ id: 'o9', meta: { versionId: '4' } });
  });

  it('T0 clock sanity', () => {
    expect(createClock().now()).toBe(T0);
  });
});
