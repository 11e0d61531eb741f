import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBff, type BffHarness } from '../../test/harness.js';

describe('BFF writes — idempotent creates, CSRF defence', () => {
  let bff: BffHarness;
  let session: Record<string, string>;
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: 'Patient/p-42' },
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };

  beforeAll(async () => {
    bff = await startBff();
    bff.ehr.behaviour.grantedScope =
      'launch openid fhirUser patient/Patient.rs patient/Observation.crs';
    const start = await fetch(
      `${bff.baseUrl}/launch?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}&launch=l`,
      {
        redirect: 'manual',
      },
    );
    const authorize = new URL(start.headers.get('location') ?? '');
    const code = bff.ehr.issueCode(authorize.toString());
    const callback = await fetch(
      `${bff.baseUrl}/callback?code=${code}&state=${encodeURIComponent(authorize.searchParams.get('state') ?? '')}`,
      { redirect: 'manual' },
    );
    session = {
      'x-bedside-session':
        new URL(callback.headers.get('location') ?? '').searchParams.get('session') ?? '',
      cookie: (callback.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    };
  });
  afterAll(async () => {
    await bff.close();
  });

  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${bff.baseUrl}/api/fhir/Observation`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headers },
      body: JSON.stringify(body),
    });

  it('creates once per Idempotency-Key and replays the first answer', async () => {
    const before = bff.ehr.created.length;
    const headers = { ...session, 'idempotency-key': 'draft-hr-0001' };
    const first = await post(observation, headers);
    expect(first.status).toBe(201);
    const location = first.headers.get('location');
    expect(location).toContain('/Observation/');
    const firstBody = await first.json();
    const second = await post(observation, headers);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(location);
    expect(await second.json()).toEqual(firstBody);
    expect(bff.ehr.created.length).toBe(before + 1);
  });

  it('refuses a key reused for a different body (422) and a create without a key (400)', async () => {
    await post(observation, { ...session, 'idempotency-key': 'draft-hr-0002' });
    const changed = await post(
      { ...observation, valueQuantity: { value: 90 } },
      { ...session, 'idempotency-key': 'draft-hr-0002' },
    );
    expect(changed.status).toBe(422);
    expect(await changed.json()).toMatchObject({ error: 'idempotency_key_reused' });
    const keyless = await post(observation, session);
    expect(keyless.status).toBe(400);
    expect(await keyless.json()).toMatchObject({ error: 'idempotency_key_required' });
  });

  it('refuses a body that is not the resource named by the path', async () => {
    const response = await post(
      { resourceType: 'Patient' },
      { ...session, 'idempotency-key': 'draft-hr-0003' },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'invalid' }],
    });
  });

  it('CSRF: a cross-site Origin or a missing session header cannot write', async () => {
    const before = bff.ehr.created.length;
    const crossSite = await post(observation, {
      ...session,
      origin: 'https://evil.example',
      'idempotency-key': 'draft-hr-0004',
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: 'csrf' });
    const noHeader = await post(observation, {
      cookie: session['cookie'] ?? '',
      'idempotency-key': 'draft-hr-0005',
    });
    expect(noHeader.status).toBe(403);
    expect(bff.ehr.created.length).toBe(before);
    const sameOrigin = await post(observation, {
      ...session,
      origin: 'http://app.test:3000',
      'idempotency-key': 'draft-hr-0006',
    });
    expect(sameOrigin.status).toBe(201);
  });
});
