import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBff, type BffHarness } from '../../test/harness.js';

describe('SMART App Launch 2.2 §scopes (SCOPE-08, RS-02) — the proxy refuses before calling the EHR', () => {
  let bff: BffHarness;
  let session: Record<string, string>;

  beforeAll(async () => {
    bff = await startBff();
    const start = await fetch(
      `${bff.baseUrl}/launch?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}&launch=l`,
      { redirect: 'manual' },
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

  it.each([
    ['GET', '/api/fhir/Observation?patient=p-42', undefined, 'Observation'],
    ['GET', '/api/fhir/Condition/c1', undefined, 'Condition'],
    ['POST', '/api/fhir/Patient', JSON.stringify({ resourceType: 'Patient' }), 'Patient'],
  ])(
    '%s %s is a 403 OperationOutcome and never reaches the EHR',
    async (method, path, body, type) => {
      const seen = bff.ehr.requests.length;
      const response = await fetch(`${bff.baseUrl}${path}`, {
        method,
        headers: {
          ...session,
          'content-type': 'application/fhir+json',
          'idempotency-key': `key-${type}-0001`,
        },
        ...(body ? { body } : {}),
      });
      expect(response.status).toBe(403);
      const outcome = (await response.json()) as {
        resourceType: string;
        issue: { code: string; diagnostics: string }[];
      };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]?.code).toBe('forbidden');
      expect(outcome.issue[0]?.diagnostics).toContain(type);
      expect(bff.ehr.requests.length).toBe(seen);
    },
  );

  it('allows what the grant covers (patient/Patient.rs read)', async () => {
    const response = await fetch(`${bff.baseUrl}/api/fhir/Patient/p-42`, { headers: session });
    expect(response.status).toBe(200);
  });
});
