import {
  AccessDeniedError,
  InMemoryTokenStore,
  ReauthorizationRequiredError,
  TokenLifecycle,
} from '@bedside/smart-auth';
import { describe, expect, it } from 'vitest';

import { FAKE_EHR_DATA } from '../src/testing/index.js';
import { VENDORS } from '../src/index.js';

import type { LaunchContext, Vendor } from '../src/index.js';

import { APP_SCOPES, createHarness, runBackendServices, runLaunch } from './flows.js';

/** The vendor-neutral part of a launch context: what the app reads. */
function neutral(context: LaunchContext) {
  return {
    patient: context.patient,
    encounter: context.encounter,
    fhirUser: context.fhirUser && {
      resourceType: context.fhirUser.resourceType,
      id: context.fhirUser.id,
      reference: context.fhirUser.reference,
      url: context.fhirUser.url.slice(context.fhirBaseUrl.length),
    },
    needPatientBanner: context.needPatientBanner,
    grantedScopes: context.grantedScopes.filter((scope) => scope !== 'launch'),
    fhirContext: context.fhirContext,
  };
}

describe('ehr-adapters against strict vendor fakes — EHR launch (SMART App Launch 2.2 §app-launch)', () => {
  it.each(VENDORS)('%s: launch completes and yields the one launch context', async (vendor) => {
    const harness = await createHarness(vendor);
    const outcome = await runLaunch(harness, 'ehr');
    expect(outcome.connection.adapter.vendor).toBe(vendor);
    expect(neutral(outcome.context)).toEqual({
      patient: FAKE_EHR_DATA.patientId,
      encounter: FAKE_EHR_DATA.encounterId,
      fhirUser: {
        resourceType: 'Practitioner',
        id: FAKE_EHR_DATA.practitionerId,
        reference: `Practitioner/${FAKE_EHR_DATA.practitionerId}`,
        url: `/Practitioner/${FAKE_EHR_DATA.practitionerId}`,
      },
      needPatientBanner: false,
      grantedScopes: [
        'openid',
        'fhirUser',
        'offline_access',
        'patient/Patient.rs',
        'patient/Encounter.rs',
        'patient/Observation.rs',
      ],
      fhirContext: [],
    });
    // The context resources are readable with the token (RS-05 from the app side, TOKEN-09).
    const patient = await outcome.fhir.read('Patient', outcome.context.patient ?? '');
    expect(patient).toMatchObject({ resourceType: 'Patient', id: FAKE_EHR_DATA.patientId });
    const user = await outcome.fhir.read('Practitioner', outcome.context.fhirUser?.id ?? '');
    expect(user.id).toBe(FAKE_EHR_DATA.practitionerId);
  });

  it('row 20: vendor extras are kept, never dropped', async () => {
    const epic = (await runLaunch(await createHarness('epic'), 'ehr')).context;
    expect(epic.vendorExtras).toMatchObject({
      '__epic.dstu2.patient': expect.any(String),
      loginDepartment: 'DEPT-1',
      location: 'LOC-1',
      state: 'echoed',
    });
    const oracle = (await runLaunch(await createHarness('oracle'), 'ehr')).context;
    expect(oracle).toMatchObject({
      tenant: 'ec2458f2-1e24-41c8-b71b-0e701af7583d',
      username: 'jsmith',
      vendorExtras: { user: FAKE_EHR_DATA.practitionerId },
    });
    const athena = (await runLaunch(await createHarness('athena'), 'ehr')).context;
    expect(athena.tenant).toBe(FAKE_EHR_DATA.athenaPractice);
    expect(athena.vendorExtras).toMatchObject({ ah_department: 'a-1.Department-1' });
    const ecw = (await runLaunch(await createHarness('ecw'), 'ehr')).context;
    expect(ecw.tenant).toBe('FFBJCD');
  });

  it('row 11: Epic advertises authorize-post, so the EHR launch POSTs its long launch token', async () => {
    const outcome = await runLaunch(await createHarness('epic'), 'ehr');
    expect(outcome.authorizeRequest.method).toBe('POST');
  });

  it('row 2: Epic-Client-ID on discovery gets the customer endpoints', async () => {
    const harness = await createHarness('epic', { requireEpicClientIdHeader: true });
    const outcome = await runLaunch(harness, 'ehr', { clientIdHeader: true });
    expect(outcome.connection.config.token_endpoint).toBe(harness.fake.profile.tokenUrl);
  });
});

describe('ehr-adapters against strict vendor fakes — standalone launch (SMART App Launch 2.2 §app-launch)', () => {
  it.each(VENDORS)('%s: patient standalone launch yields the same context', async (vendor) => {
    const outcome = await runLaunch(await createHarness(vendor), 'standalone', {
      scopes: ['launch/patient', ...APP_SCOPES],
    });
    // Row 12: no `launch` scope without a launch.
    expect(outcome.requestedScope.split(' ')).not.toContain('launch');
    expect(neutral(outcome.context)).toMatchObject({
      // Row 22: Oracle/eCW omit `patient`; it comes from the Patient fhirUser.
      patient: FAKE_EHR_DATA.patientId,
      fhirUser: { resourceType: 'Patient', id: FAKE_EHR_DATA.patientId },
      needPatientBanner: true,
    });
    const observations = await outcome.fhir.search('Observation', { category: 'laboratory' });
    expect(observations.resources.length).toBeGreaterThan(0);
  });

  it('row 22: Epic provider standalone carries no patient; the app must pick one', async () => {
    const outcome = await runLaunch(await createHarness('epic'), 'standalone', {
      scopes: ['launch/patient', ...APP_SCOPES],
      user: 'practitioner',
    });
    expect(outcome.context.patient).toBeUndefined();
    expect(outcome.context.fhirUser?.resourceType).toBe('Practitioner');
  });

  it.each(['oracle', 'athena'] as const)(
    'row 18: %s denies offline_access; the retry without it succeeds',
    async (vendor) => {
      const harness = await createHarness(vendor, { offlinePolicy: 'deny' });
      let error: unknown;
      try {
        await runLaunch(harness, 'standalone', { scopes: ['launch/patient', ...APP_SCOPES] });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect(error).toMatchObject({ error: 'access_denied', status: 403 });
      const adapter = (await import('../src/index.js')).adapterFor(vendor);
      const retry = await runLaunch(harness, 'standalone', {
        scopes: adapter
          .withoutOfflineAccess(['launch/patient', ...APP_SCOPES].join(' '))
          .split(' '),
      });
      expect(retry.tokenResponse.refresh_token).toBeUndefined();
      expect(retry.context.patient).toBe(FAKE_EHR_DATA.patientId);
    },
  );
});

describe('ehr-adapters against strict vendor fakes — Backend Services (SMART App Launch 2.2 §backend-services)', () => {
  it.each(VENDORS)('%s: client_credentials token and a FHIR search', async (vendor) => {
    const harness = await createHarness(vendor);
    const { scope, fhir, backend } = await runBackendServices(harness, [
      'system/Observation.rs',
      'openid',
      'offline_access',
    ]);
    // Row 33: only system/ scopes go with client credentials, in the vendor's dialect.
    expect(scope).toBe(
      vendor === 'epic' || vendor === 'ecw' ? 'system/Observation.read' : 'system/Observation.rs',
    );
    const result = await fhir.search('Observation', {
      patient: FAKE_EHR_DATA.patientId,
      category: 'vital-signs',
    });
    expect(result.resources.every((obs) => obs.resourceType === 'Observation')).toBe(true);
    expect((await backend.getTokens()).refreshToken).toBeUndefined();
  });
});

describe('ehr-adapters — refresh behaviour per vendor (rows 25-29; REFRESH-02/03/06/08)', () => {
  async function expireAndRead(vendor: Vendor, options: Parameters<typeof createHarness>[1] = {}) {
    const harness = await createHarness(vendor, options);
    const outcome = await runLaunch(harness, 'ehr');
    const before = await outcome.store.load();
    const ttl = outcome.tokenResponse.expires_in ?? 0;
    harness.clock.advance(ttl * 1000 * 0.85);
    await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    const after = await outcome.store.load();
    return { harness, outcome, before, after };
  }

  it('row 25: Oracle access tokens live 570 s and are renewed from expires_in', async () => {
    const { outcome, harness, before, after } = await expireAndRead('oracle');
    expect(outcome.tokenResponse.expires_in).toBe(570);
    expect(harness.fake.stats.refreshes).toBe(1);
    expect(after?.tokens.accessToken).not.toBe(before?.tokens.accessToken);
  });

  it.each(['oracle', 'epic'] as const)(
    'row 26: %s sends no new refresh token; the original is kept',
    async (vendor) => {
      const { before, after, harness } = await expireAndRead(vendor);
      expect(harness.fake.stats.refreshes).toBe(1);
      expect(after?.tokens.refreshToken).toBe(before?.tokens.refreshToken);
    },
  );

  it('row 27: eCW refresh tokens are single-use; the rotated one is stored before use', async () => {
    const { outcome, harness, before, after } = await expireAndRead('ecw');
    expect(after?.tokens.refreshToken).not.toBe(before?.tokens.refreshToken);
    harness.clock.advance(3600 * 1000 * 0.85);
    await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(harness.fake.stats.refreshes).toBe(2);
    // The second refresh used the rotated token (the fake rejects a reused one).
    expect(harness.fake.stats.refreshForms[1]?.['refresh_token']).toBe(after?.tokens.refreshToken);
  });

  it('row 27: a reused eCW refresh token is rejected → ReauthorizationRequiredError', async () => {
    const { outcome, before, harness } = await expireAndRead('ecw');
    // A stale copy of the token set (say, restored from a backup) refreshes with the spent token.
    const stale = new TokenLifecycle({
      store: new InMemoryTokenStore(before?.tokens),
      tokenEndpoint: outcome.connection.config.token_endpoint,
      client: harness.client,
      fetch: harness.fake.fetch,
      now: harness.clock.now,
    });
    await expect(stale.refresh()).rejects.toMatchObject({
      code: 'reauthorization_required',
      reason: 'refresh_rejected',
    });
    await expect(stale.refresh()).rejects.toBeInstanceOf(ReauthorizationRequiredError);
  });

  it('row 28: athena refresh carries the granted scope', async () => {
    const { harness } = await expireAndRead('athena');
    expect(harness.fake.stats.refreshes).toBe(1);
    expect(harness.fake.stats.refreshForms[0]?.['scope']).toContain('patient/Patient.rs');
  });

  it('row 29: Oracle refreshes of one grant are spaced by a minute', async () => {
    const harness = await createHarness('oracle');
    const outcome = await runLaunch(harness, 'ehr');
    await outcome.lifecycle.refresh();
    const at = harness.clock.now();
    await outcome.lifecycle.refresh();
    expect(harness.fake.stats.refreshes).toBe(2);
    expect(harness.clock.now() - at).toBeGreaterThanOrEqual(60_000);
  });

  it('REFRESH-08: an access token rejected with 401 is renewed once and the call retried', async () => {
    const harness = await createHarness('generic');
    const outcome = await runLaunch(harness, 'ehr');
    // The server forgets the token (e.g. revoked): the lifecycle renews and retries once.
    harness.clock.advance(3600 * 1000 + 1);
    const patient = await outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId);
    expect(patient.id).toBe(FAKE_EHR_DATA.patientId);
    expect(harness.fake.stats.refreshes).toBe(1);
  });

  it('eCW public clients get no refresh token: expiry asks for re-authorisation', async () => {
    const harness = await createHarness('ecw', { publicClient: true });
    const outcome = await runLaunch(harness, 'ehr');
    expect(outcome.tokenResponse.refresh_token).toBeUndefined();
    harness.clock.advance(3600 * 1000);
    await expect(outcome.fhir.read('Patient', FAKE_EHR_DATA.patientId)).rejects.toMatchObject({
      code: 'reauthorization_required',
      reason: 'no_refresh_token',
    });
  });
});
