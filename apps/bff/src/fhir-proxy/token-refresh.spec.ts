import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startBff, type BffHarness } from '../../test/harness.js';

describe('SMART App Launch 2.2 §refresh (REFRESH-02/03/06/08) — BFF keeps sessions alive', () => {
  let bff: BffHarness;

  beforeAll(async () => {
    bff = await startBff();
  });
  afterAll(async () => {
    await bff.close();
  });
  beforeEach(() => {
    // Tokens that are already due: every call must renew first (no sleeping in tests).
    Object.assign(bff.ehr.behaviour, {
      expiresIn: 0,
      issueRefreshTokens: true,
      refuseRefresh: false,
      dropFhirConnections: false,
    });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${bff.baseUrl}${path}`, { headers, redirect: 'manual' });

  async function launch(): Promise<Record<string, string>> {
    const start = await get(`/launch?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}&launch=l`);
    const authorize = new URL(start.headers.get('location') ?? '');
    const code = bff.ehr.issueCode(authorize.toString());
    const state = encodeURIComponent(authorize.searchParams.get('state') ?? '');
    const callback = await get(`/callback?code=${code}&state=${state}`);
    const handle =
      new URL(callback.headers.get('location') ?? '').searchParams.get('session') ?? '';
    const cookie = (callback.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { 'x-bedside-session': handle, cookie };
  }

  it('refreshes a due token before the call and stores the rotated refresh token', async () => {
    const session = await launch();
    const issuedBefore = bff.ehr.accessTokens.length;
    const first = await get('/api/fhir/Patient/p-42', session);
    expect(first.status).toBe(200);
    expect(bff.ehr.refreshRequests.length).toBeGreaterThan(0);
    expect(bff.ehr.accessTokens.length).toBe(issuedBefore + 1);
    // The rotated refresh token was stored: the next refresh presents it and succeeds.
    const refreshesBefore = bff.ehr.refreshRequests.length;
    expect((await get('/api/fhir/Patient/p-42', session)).status).toBe(200);
    expect(bff.ehr.refreshRequests.length).toBe(refreshesBefore + 1);
    expect(new Set(bff.ehr.refreshRequests).size).toBe(bff.ehr.refreshRequests.length);
  });

  it('REFRESH-08: concurrent calls share one refresh (single flight)', async () => {
    const session = await launch();
    // The launch token is due at once; the refreshed one lives an hour, so exactly one refresh fits.
    bff.ehr.behaviour.expiresIn = 3600;
    const before = bff.ehr.refreshRequests.length;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => get('/api/fhir/Patient/p-42', session)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(bff.ehr.refreshRequests.length - before).toBe(1);
  });

  it('a refused refresh is a 401 telling the app to re-authorise, and is audited', async () => {
    const session = await launch();
    bff.ehr.behaviour.refuseRefresh = true;
    const response = await get('/api/fhir/Patient/p-42', session);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'reauthorization_required',
      reason: 'refresh_rejected',
      message: 'The EHR session can no longer be renewed; sign in again to continue.',
    });
    await expect
      .poll(async () =>
        bff.prisma.auditEvent.count({ where: { action: 'fhir.read', outcome: 'failure' } }),
      )
      .toBeGreaterThan(0);
  });

  it('without a refresh token an expired session asks to re-authorise', async () => {
    bff.ehr.behaviour.issueRefreshTokens = false;
    const session = await launch();
    const response = await get('/api/fhir/Patient/p-42', session);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: 'reauthorization_required',
      reason: 'no_refresh_token',
    });
  });

  it('an EHR that drops the connection is a 502 OperationOutcome, and is audited', async () => {
    const session = await launch();
    bff.ehr.behaviour.expiresIn = 3600;
    bff.ehr.behaviour.dropFhirConnections = true;
    const response = await get('/api/fhir/Patient/p-42', session);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    expect(await response.json()).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'exception', diagnostics: 'The EHR could not be reached.' },
      ],
    });
    await expect
      .poll(async () =>
        bff.prisma.auditEvent.count({
          where: {
            action: 'fhir.read',
            outcome: 'failure',
            requestId: response.headers.get('x-request-id') ?? '',
          },
        }),
      )
      .toBe(1);
  });
});
