import { describe, expect, it } from 'vitest';

import { expectError } from '../test/fixtures.js';
import {
  AccessDeniedError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  ServerError,
  TemporarilyUnavailableError,
  TokenResponseError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from './errors.js';
import { jsonResponse } from './testing/fake-fetch.js';
import { parseBearerChallenge, processTokenResponse } from './token-response.js';

/** IG-AL/IG-SC example token response with launch context (§15.1). */
const example = {
  access_token: 'i8hweunweunweofiwweoijewiwe',
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'launch patient/Observation.rs patient/Patient.rs openid fhirUser',
  id_token: 'eyJ0eXAi.eyJpc3Mi.c2lnbmF0dXJl',
  refresh_token: 'tGzv3JOkF0XG5Qx2TlKWIA',
  patient: '123',
  encounter: '456',
  need_patient_banner: true,
  smart_style_url: 'https://ehr/styles/smart_v1.json',
  intent: 'reconcile-medications',
  tenant: '2ddd6c3a-8e9a-44c6-a305-52111ad302a2',
  fhirContext: [
    { reference: 'DiagnosticReport/123' },
    {
      role: 'https://example.org/role/questionnaire-to-display',
      type: 'Questionnaire',
      canonical: 'https://example.org/Questionnaire/123|v2',
    },
  ],
  '__epic.dstu2.patient': 'T1wI5bk8n1YVgvWk9D05BmRV0Pi3ECImNSK8DKyKltsMB',
  user: 'Practitioner/1',
};

describe('SMART App Launch 2.2 §app-launch "Response" — token response (TOKEN-03, LAUNCH-07)', () => {
  it('returns the typed fields, launch context, vendor extras and the raw body', async () => {
    const token = await processTokenResponse(
      jsonResponse(example, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache' }),
    );
    expect(token).toEqual({
      access_token: example.access_token,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: example.scope,
      id_token: example.id_token,
      refresh_token: example.refresh_token,
      patient: '123',
      encounter: '456',
      need_patient_banner: true,
      smart_style_url: example.smart_style_url,
      intent: example.intent,
      tenant: example.tenant,
      fhirContext: example.fhirContext,
      extra: { '__epic.dstu2.patient': example['__epic.dstu2.patient'], user: 'Practitioner/1' },
      raw: example,
    });
  });

  it.each(['bearer', 'BEARER', 'Bearer'])('TOKEN-03: token_type %s is Bearer', async (type) => {
    const token = await processTokenResponse(jsonResponse({ access_token: 'a', token_type: type }));
    expect(token.token_type).toBe('Bearer');
    expect(token.scope).toBeUndefined();
    expect(token.expires_in).toBeUndefined();
  });

  it('TOKEN-08: an opaque (non-JWT) access token is accepted as is', async () => {
    const token = await processTokenResponse(
      jsonResponse({ access_token: 'opaque-0001', token_type: 'Bearer', expires_in: 570 }),
    );
    expect(token.access_token).toBe('opaque-0001');
  });

  it('BS-03: accepts 201 (Inferno 3.2.05 allows it)', async () => {
    const token = await processTokenResponse(
      jsonResponse({ access_token: 'a', token_type: 'bearer', expires_in: 300 }, 201),
    );
    expect(token.expires_in).toBe(300);
  });

  it('normalises STU2.0 string fhirContext entries to {reference}', async () => {
    const token = await processTokenResponse(
      jsonResponse({ access_token: 'a', token_type: 'Bearer', fhirContext: ['Observation/1'] }),
    );
    expect(token.fhirContext).toEqual([{ reference: 'Observation/1' }]);
  });

  it('treats null optional members as absent', async () => {
    const token = await processTokenResponse(
      jsonResponse({
        access_token: 'a',
        token_type: 'Bearer',
        refresh_token: null,
        expires_in: null,
      }),
    );
    expect(token.refresh_token).toBeUndefined();
    expect(token.expires_in).toBeUndefined();
  });

  it.each([
    ['no access_token', { token_type: 'Bearer' }, 'access_token must be a non-empty string'],
    [
      'empty access_token',
      { access_token: '', token_type: 'Bearer' },
      'access_token must be a non-empty string',
    ],
    [
      'numeric access_token',
      { access_token: 1, token_type: 'Bearer' },
      'access_token must be a non-empty string',
    ],
    ['no token_type', { access_token: 'a' }, 'token_type must be a string'],
    [
      'token_type mac',
      { access_token: 'a', token_type: 'mac' },
      'token_type must be Bearer, got mac',
    ],
    [
      'token_type DPoP',
      { access_token: 'a', token_type: 'DPoP' },
      'token_type must be Bearer, got DPoP',
    ],
    [
      'expires_in string',
      { access_token: 'a', token_type: 'Bearer', expires_in: '3600' },
      'expires_in must be a non-negative number',
    ],
    [
      'expires_in negative',
      { access_token: 'a', token_type: 'Bearer', expires_in: -1 },
      'expires_in must be a non-negative number',
    ],
    [
      'scope array',
      { access_token: 'a', token_type: 'Bearer', scope: ['openid'] },
      'scope must be a string',
    ],
    [
      'refresh_token number',
      { access_token: 'a', token_type: 'Bearer', refresh_token: 5 },
      'refresh_token must be a string',
    ],
    [
      'id_token object',
      { access_token: 'a', token_type: 'Bearer', id_token: {} },
      'id_token must be a string',
    ],
    [
      'patient number',
      { access_token: 'a', token_type: 'Bearer', patient: 123 },
      'patient must be a string',
    ],
    [
      'need_patient_banner string',
      { access_token: 'a', token_type: 'Bearer', need_patient_banner: 'true' },
      'need_patient_banner must be a boolean',
    ],
    [
      'fhirContext object',
      { access_token: 'a', token_type: 'Bearer', fhirContext: {} },
      'fhirContext must be an array',
    ],
    [
      'fhirContext entry number',
      { access_token: 'a', token_type: 'Bearer', fhirContext: [1] },
      'fhirContext entries must be objects',
    ],
    [
      'fhirContext entry empty',
      { access_token: 'a', token_type: 'Bearer', fhirContext: [{ role: 'https://r' }] },
      'fhirContext entry needs reference, canonical or identifier',
    ],
    [
      'fhirContext identifier string',
      { access_token: 'a', token_type: 'Bearer', fhirContext: [{ identifier: 'x' }] },
      'fhirContext.identifier must be an object',
    ],
    [
      'fhirContext reference number',
      { access_token: 'a', token_type: 'Bearer', fhirContext: [{ reference: 1 }] },
      'fhirContext.reference must be a string',
    ],
    ['a JSON array', [], 'token response is not a JSON object'],
  ])('malformed: %s → TokenResponseError', async (_label, body, message) => {
    await expectError(processTokenResponse(jsonResponse(body)), TokenResponseError, {
      code: 'invalid_token_response',
      status: 502,
      upstreamStatus: 200,
      message,
    });
  });

  it('malformed: a non-JSON 200 body → TokenResponseError', async () => {
    await expectError(
      processTokenResponse(new Response('<html>ok</html>', { status: 200 })),
      TokenResponseError,
      { message: 'token response is not a JSON object' },
    );
  });
});

describe('RFC 6749 §5.2 — token error responses become typed OAuthErrors (TOKEN-07)', () => {
  it.each([
    ['invalid_request', 400, InvalidRequestError],
    ['invalid_client', 401, InvalidClientError],
    ['invalid_client', 400, InvalidClientError],
    ['invalid_grant', 400, InvalidGrantError],
    ['invalid_grant', 403, InvalidGrantError],
    ['unauthorized_client', 400, UnauthorizedClientError],
    ['unsupported_grant_type', 400, UnsupportedGrantTypeError],
    ['invalid_scope', 400, InvalidScopeError],
    ['access_denied', 403, AccessDeniedError],
    ['server_error', 500, ServerError],
    ['temporarily_unavailable', 503, TemporarilyUnavailableError],
  ] as const)('%s with HTTP %i → %o', async (code, status, Class) => {
    const response = jsonResponse(
      { error: code, error_description: 'Expired refresh token', error_uri: 'https://ehr/e/1' },
      status,
      { 'Cache-Control': 'no-store' },
    );
    await expectError(processTokenResponse(response), Class, {
      error: code,
      errorDescription: 'Expired refresh token',
      errorUri: 'https://ehr/e/1',
      status,
    });
  });

  it('an unknown error code keeps the code and status', async () => {
    await expectError(
      processTokenResponse(jsonResponse({ error: 'invalid_dpop_proof' }, 400)),
      OAuthError,
      {
        error: 'invalid_dpop_proof',
        status: 400,
        errorDescription: undefined,
      },
    );
  });

  it('401 with only a WWW-Authenticate challenge → InvalidClientError', async () => {
    const response = new Response(null, {
      status: 401,
      headers: {
        'WWW-Authenticate':
          'Basic realm="ehr", error="invalid_client", error_description="bad \\"secret\\""',
      },
    });
    await expectError(processTokenResponse(response), InvalidClientError, {
      status: 401,
      errorDescription: 'bad "secret"',
    });
  });

  it.each([
    [502, '<html>Bad gateway</html>'],
    [401, ''],
    [400, '{"message":"nope"}'],
  ])('HTTP %i without an OAuth error → TokenResponseError', async (status, body) => {
    await expectError(processTokenResponse(new Response(body, { status })), TokenResponseError, {
      upstreamStatus: status,
      status: 502,
      message: `token endpoint answered HTTP ${status} without an OAuth error`,
    });
  });

  it('an error body with HTTP 200 is still an error (default status of the code)', async () => {
    await expectError(
      processTokenResponse(jsonResponse({ error: 'invalid_grant' }, 200)),
      InvalidGrantError,
      {
        status: 400,
      },
    );
  });
});

describe('parseBearerChallenge (RFC 6750 §3)', () => {
  it.each([
    [null, {}],
    ['Bearer', {}],
    [
      'Bearer realm="x", error="invalid_token", error_description="expired"',
      { error: 'invalid_token', error_description: 'expired' },
    ],
  ])('%s', (header, expected) => {
    expect(parseBearerChallenge(header)).toEqual(expected);
  });
});
