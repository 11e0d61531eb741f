import { processDiscoveryResponse } from '@bedside/smart-auth';
import { jsonResponse } from '@bedside/smart-auth/testing';
import { describe, expect, it } from 'vitest';

import { adapterFor } from './detect.js';
import { FhirErrorCode, FhirRequestError, MissingSearchParameterError } from './errors.js';
import { vendorProfiles } from './testing/index.js';
import { VENDORS } from './types.js';

import type { FhirFailure, Vendor } from './types.js';

async function configOf(vendor: Vendor) {
  const profile = vendorProfiles[vendor];
  return processDiscoveryResponse(profile.fhirBaseUrl, jsonResponse(profile.smartConfiguration));
}

function failure(status: number, body: unknown, vendorCode?: string): FhirFailure {
  const outcome =
    body === ''
      ? ''
      : JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'processing',
              diagnostics: String(body),
              ...(vendorCode
                ? {
                    details: {
                      coding: [
                        { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369', code: vendorCode },
                      ],
                    },
                  }
                : {}),
            },
          ],
        });
  return {
    status,
    method: 'GET',
    url: 'https://ehr/fhir/X',
    headers: new Headers(),
    body: outcome,
  };
}

describe('adapter tripwire — quirk rows per vendor (ehr-quirks.md §7)', () => {
  it('pins the rows each adapter handles; change only on purpose', () => {
    expect(
      Object.fromEntries(VENDORS.map((vendor) => [vendor, adapterFor(vendor).quirkRows])),
    ).toEqual({
      generic: [9, 12, 13, 14, 15, 18, 21, 22, 23, 36, 37, 46],
      epic: [1, 2, 9, 12, 13, 14, 15, 20, 21, 22, 23, 24, 26, 31, 34, 35, 36, 37, 39, 40, 41, 50],
      oracle: [3, 5, 6, 16, 20, 22, 23, 25, 26, 29, 34, 35, 37, 38, 42, 43, 44],
      athena: [3, 4, 7, 16, 18, 20, 24, 28, 35, 37, 45, 46],
      ecw: [8, 19, 22, 23, 27, 31, 34, 45, 46],
    });
  });

  it('pins refresh, rate-limit and backend policies (rows 26-29, 31, 46)', () => {
    const table = Object.fromEntries(
      VENDORS.map((vendor) => {
        const adapter = adapterFor(vendor);
        return [
          vendor,
          {
            refresh: adapter.refresh,
            rateLimit: adapter.rateLimit,
            algs: adapter.backend.allowedAlgs,
          },
        ];
      }),
    );
    expect(table).toMatchObject({
      epic: {
        refresh: { rotation: 'optional', publicClientsGetRefreshTokens: false },
        algs: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384'],
      },
      oracle: { refresh: { rotation: 'never', minIntervalSeconds: 60 }, algs: ['RS384', 'ES384'] },
      athena: { refresh: { sendScopeOnRefresh: true }, rateLimit: { tokenRequestsPerMinute: 50 } },
      ecw: {
        refresh: { rotation: 'always', publicClientsGetRefreshTokens: false },
        rateLimit: { requestsPerMinute: 250, defaultRetryAfterSeconds: 60 },
        algs: ['RS384'],
      },
      generic: { refresh: { rotation: 'optional' }, algs: ['RS384', 'ES384'] },
    });
    expect(adapterFor('epic').backend.algsRequiringJku).toEqual(['ES256', 'ES384']);
  });
});

describe('toRequestedScopes — rows 12, 15, 16, 33 (LAUNCH-02)', () => {
  const scopes = ['openid', 'fhirUser', 'launch', 'patient/*.rs', 'offline_access'];

  it.each([
    ['generic', 'ehr', 'launch openid fhirUser patient/*.rs offline_access'],
    ['generic', 'standalone', 'openid fhirUser patient/*.rs offline_access'],
    ['epic', 'ehr', 'launch openid fhirUser patient/*.read offline_access'],
    ['ecw', 'standalone', 'openid fhirUser patient/*.read offline_access'],
  ] as const)('%s %s launch', async (vendor, launch, expected) => {
    const config = await configOf(vendor);
    expect(adapterFor(vendor).toRequestedScopes(scopes, { launch, config })).toBe(expected);
  });

  it.each(['oracle', 'athena'] as const)(
    '%s: wildcards are spelled out (row 16)',
    async (vendor) => {
      const adapter = adapterFor(vendor, { resourceTypes: ['Patient', 'Observation'] });
      expect(
        adapter.toRequestedScopes(scopes, { launch: 'ehr', config: await configOf(vendor) }),
      ).toBe('launch openid fhirUser patient/Patient.rs patient/Observation.rs offline_access');
    },
  );

  it('row 15: the registration dialect wins over discovery (Epic v2 app)', async () => {
    const adapter = adapterFor('epic', { scopeDialect: 'v2' });
    expect(
      adapter.toRequestedScopes(['patient/Patient.read'], {
        launch: 'standalone',
        config: await configOf('epic'),
      }),
    ).toBe('patient/Patient.rs');
  });

  it('row 33: backend keeps system/ scopes only', () => {
    expect(
      adapterFor('oracle').toRequestedScopes(
        ['system/Patient.rs', 'openid', 'offline_access', 'launch'],
        { launch: 'backend' },
      ),
    ).toBe('system/Patient.rs');
  });

  it('row 18: withoutOfflineAccess drops offline and online access', () => {
    expect(
      adapterFor('athena').withoutOfflineAccess('openid  offline_access online_access fhirUser'),
    ).toBe('openid fhirUser');
  });
});

describe('normalizeSmartConfiguration and discovery headers — rows 2, 3, 24', () => {
  it.each(['oracle', 'athena'] as const)(
    '%s: missing code_challenge_methods_supported → S256 (row 3)',
    async (vendor) => {
      const config = await configOf(vendor);
      expect(config.code_challenge_methods_supported).toEqual([]);
      expect(
        adapterFor(vendor).normalizeSmartConfiguration(config).code_challenge_methods_supported,
      ).toEqual(['S256']);
    },
  );

  it('epic: the OIDC issuer is …/oauth2, not the FHIR iss (row 24)', async () => {
    const config = await configOf('epic');
    expect(config.issuer).toBeUndefined();
    expect(adapterFor('epic').normalizeSmartConfiguration(config).issuer).toBe(
      vendorProfiles.epic.oidcIssuer,
    );
  });

  it('epic: Epic-Client-ID on discovery (row 2); nobody else sends it', () => {
    expect(adapterFor('epic').discoveryHeaders({ clientId: 'abc' })).toEqual({
      'Epic-Client-ID': 'abc',
    });
    expect(adapterFor('oracle').discoveryHeaders({ clientId: 'abc' })).toEqual({});
  });
});

describe('normalizeLaunchContext — rows 20-23', () => {
  it('row 21: string booleans are coerced; absent banner means show it', () => {
    const adapter = adapterFor('epic');
    const base = vendorProfiles.epic.fhirBaseUrl;
    expect(
      adapter.normalizeLaunchContext({
        tokenResponse: { need_patient_banner: 'false' },
        fhirBaseUrl: base,
      }).needPatientBanner,
    ).toBe(false);
    expect(
      adapter.normalizeLaunchContext({
        tokenResponse: { need_patient_banner: 'true' },
        fhirBaseUrl: base,
      }).needPatientBanner,
    ).toBe(true);
    expect(
      adapter.normalizeLaunchContext({ tokenResponse: {}, fhirBaseUrl: base }).needPatientBanner,
    ).toBe(true);
  });

  it('row 23: Oracle `user` names the Practitioner when no id_token does', () => {
    const context = adapterFor('oracle').normalizeLaunchContext({
      tokenResponse: { user: '4464007', username: 'portal', tenant: 't-1' },
      fhirBaseUrl: vendorProfiles.oracle.fhirBaseUrl,
    });
    expect(context.fhirUser?.reference).toBe('Practitioner/4464007');
    expect(context).toMatchObject({ tenant: 't-1', username: 'portal' });
  });

  it('row 7: athena practice from the token response or the JWT access token', () => {
    const adapter = adapterFor('athena');
    const base = vendorProfiles.athena.fhirBaseUrl;
    expect(
      adapter.normalizeLaunchContext({
        tokenResponse: { ah_practice: 'Organization/a-1.Practice-7' },
        fhirBaseUrl: base,
      }).tenant,
    ).toBe('a-1.Practice-7');
    const payload = btoa(JSON.stringify({ ah_practice: 'a-1.Practice-8' })).replace(/=+$/, '');
    expect(
      adapter.normalizeLaunchContext({
        tokenResponse: { access_token: `h.${payload}.s` },
        fhirBaseUrl: base,
      }).tenant,
    ).toBe('a-1.Practice-8');
    // TOKEN-08 / row 50: an opaque token is never an error.
    expect(
      adapter.normalizeLaunchContext({
        tokenResponse: { access_token: 'opaque' },
        fhirBaseUrl: base,
      }).tenant,
    ).toBeUndefined();
  });

  it('LAUNCH-07: STU2.0 fhirContext strings become objects', () => {
    const context = adapterFor('generic').normalizeLaunchContext({
      tokenResponse: {
        fhirContext: ['DiagnosticReport/1', { reference: 'Encounter/2', role: 'https://x/role' }],
      },
      fhirBaseUrl: 'https://ehr/fhir',
    });
    expect(context.fhirContext).toEqual([
      { reference: 'DiagnosticReport/1' },
      { reference: 'Encounter/2', role: 'https://x/role' },
    ]);
  });
});

describe('planSearch — rows 7, 35, 38, 40', () => {
  const plan = (vendor: Vendor, type: string, params: Record<string, string>, context = {}) =>
    adapterFor(vendor)
      .planSearch(type, new URLSearchParams(params), context)
      .map((planned) => planned.params.toString());

  it('epic: patient filled in from context (4111, row 35)', () => {
    expect(plan('epic', 'Condition', {}, { patient: 'p1' })).toEqual(['patient=p1']);
  });

  it('epic: Observation without category or code fans out over categories (59108, row 35)', () => {
    const plans = plan('epic', 'Observation', {}, { patient: 'p1' });
    expect(plans).toHaveLength(9);
    expect(plans[0]).toBe('patient=p1&category=laboratory');
    expect(plan('epic', 'Observation', { code: '8867-4' }, { patient: 'p1' })).toEqual([
      'code=8867-4&patient=p1',
    ]);
  });

  it.each([
    ['epic', 'CarePlan', { patient: 'p1' }, 'category'],
    ['epic', 'Patient', { family: 'Shaw' }, 'given+family+birthdate'],
    ['epic', 'Condition', {}, 'patient parameter'],
    ['athena', 'Observation', { patient: 'p1' }, 'ah-practice'],
  ] as const)('%s %s %j → MissingSearchParameterError', (vendor, type, params, mentions) => {
    let error: unknown;
    try {
      plan(vendor, type, params);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MissingSearchParameterError);
    expect(error).toMatchObject({ code: 'missing_search_parameter', status: 400 });
    expect((error as Error).message).toContain(mentions);
  });

  it('athena: ah-practice on every search, intent on MedicationRequest (rows 7, 35)', () => {
    expect(
      plan('athena', 'MedicationRequest', {}, { patient: 'p1', tenant: 'a-1.Practice-1' }),
    ).toEqual(['ah-practice=Organization%2Fa-1.Practice-1&intent=order%2Cplan&patient=p1']);
  });

  it('oracle: _count capped at the documented maximum (row 38)', () => {
    expect(plan('oracle', 'Observation', { patient: 'p1', _count: '500' })).toEqual([
      'patient=p1&_count=200',
    ]);
    expect(plan('oracle', 'Observation', { patient: 'p1', _count: '50' })).toEqual([
      'patient=p1&_count=50',
    ]);
  });

  it('generic: nothing is added', () => {
    expect(plan('generic', 'Observation', {})).toEqual(['']);
  });
});

describe('supportsWrite — row 45', () => {
  it.each([
    ['generic', 'Observation', 'create', true],
    ['oracle', 'Observation', 'update', true],
    ['athena', 'Observation', 'create', false],
    ['athena', 'QuestionnaireResponse', 'create', true],
    ['athena', 'QuestionnaireResponse', 'update', false],
    ['ecw', 'Observation', 'create', false],
  ] as const)('%s %s %s → %s', (vendor, type, interaction, expected) => {
    expect(adapterFor(vendor).supportsWrite(type, interaction)).toBe(expected);
  });

  it('ecw writes when the contract enables them', () => {
    expect(adapterFor('ecw', { writeEnabled: true }).supportsWrite('Observation', 'create')).toBe(
      true,
    );
  });
});

describe('classifyError — rows 6, 35, 39-43 (typed OperationOutcome errors)', () => {
  it.each([
    [
      'epic',
      failure(400, 'Paging session expired', '4113'),
      FhirErrorCode.PagingSessionExpired,
      '4113',
    ],
    ['epic', failure(403, 'BTG', '4130'), FhirErrorCode.AccessRestricted, '4130'],
    ['epic', failure(403, 'BTG', '4134'), FhirErrorCode.AccessRestricted, '4134'],
    ['epic', failure(400, 'too many', '4127'), FhirErrorCode.TooManyResults, '4127'],
    ['epic', failure(400, 'missing', '4111'), FhirErrorCode.MissingSearchParameter, '4111'],
    ['epic', failure(400, 'category', '59108'), FhirErrorCode.MissingSearchParameter, '59108'],
    [
      'oracle',
      failure(403, 'Tenant not valid or accessible'),
      FhirErrorCode.TenantNotAccessible,
      undefined,
    ],
    ['oracle', failure(406, ''), FhirErrorCode.NotAcceptable, undefined],
    ['oracle', failure(500, 'Observation.status missing'), FhirErrorCode.DataQuality, undefined],
    [
      'oracle',
      failure(400, 'no supported search parameters provided'),
      FhirErrorCode.MissingSearchParameter,
      undefined,
    ],
    ['generic', failure(404, 'gone'), FhirErrorCode.NotFound, undefined],
    ['generic', failure(409, 'stale'), FhirErrorCode.VersionConflict, undefined],
    ['generic', failure(412, 'stale'), FhirErrorCode.VersionConflict, undefined],
    ['generic', failure(401, 'expired'), FhirErrorCode.Unauthorized, undefined],
    ['generic', failure(403, ''), FhirErrorCode.Forbidden, undefined],
    ['generic', failure(429, 'slow down'), FhirErrorCode.RateLimited, undefined],
    ['generic', failure(503, 'down'), FhirErrorCode.OperationFailed, undefined],
  ] as const)('%s HTTP %#', (vendor, input, code, vendorCode) => {
    const error = adapterFor(vendor).classifyError(input);
    expect(error).toBeInstanceOf(FhirRequestError);
    expect(error).toMatchObject({ code, status: input.status, vendorCode });
  });

  it('the OperationOutcome and its message are kept', () => {
    const error = adapterFor('generic').classifyError(
      failure(422, 'Observation.code is required'),
    ) as FhirRequestError;
    expect(error.message).toBe(
      'GET https://ehr/fhir/X failed with HTTP 422: Observation.code is required',
    );
    expect(error.issues).toEqual([
      { severity: 'error', code: 'processing', diagnostics: 'Observation.code is required' },
    ]);
    expect(error.retryable).toBe(false);
  });
});

describe('describeAuthorizationError — rows 5, 34', () => {
  it.each([
    ['epic', { error: 'unauthorized_client' }, 'pending_customer_setup'],
    ['oracle', { error: 'unauthorized_client' }, 'pending_customer_setup'],
    [
      'oracle',
      {
        error: 'unauthorized_client',
        errorUri:
          'https://authorization.cerner.com/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Aauthorize%3Aclient-persona-mismatch?persona=provider',
      },
      'other',
    ],
    [
      'ecw',
      { error: 'invalid_client', errorDescription: 'FHIR app authentication is not enabled' },
      'pending_customer_setup',
    ],
    ['generic', { error: 'unauthorized_client' }, 'other'],
    ['generic', { error: 'access_denied' }, 'user_denied'],
    ['generic', { error: 'invalid_scope' }, 'scope_rejected'],
    ['generic', { error: 'invalid_grant' }, 'reauthorize'],
  ] as const)('%s %j → %s', (vendor, error, kind) => {
    expect(adapterFor(vendor).describeAuthorizationError(error).kind).toBe(kind);
  });
});
