import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SigningKeyStore } from '../auth/signing-keys.js';
import { TokenService } from '../auth/tokens.js';
import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { codeExchangeForm, obtainCode, tokenRequest } from '../../test/launch-flow.js';

describe('SMART App Launch 2.2 §discovery and §access — sandbox FHIR API', () => {
  let sandbox: SandboxHarness;
  let accessToken: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const { code, verifier } = await obtainCode(sandbox, {
      scope: 'launch openid fhirUser patient/Patient.rs patient/Encounter.rs',
    });
    accessToken = (
      (await (await tokenRequest(sandbox, codeExchangeForm(code, verifier))).json()) as {
        access_token: string;
      }
    ).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const read = (path: string, token?: string) =>
    fetch(`${sandbox.fhirBaseUrl}/${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it.each([undefined, 'application/json', 'text/html'])(
    'DISC-01: smart-configuration is JSON whatever the Accept header (%s)',
    async (accept) => {
      const response = await fetch(`${sandbox.fhirBaseUrl}/.well-known/smart-configuration`, {
        headers: accept ? { accept } : {},
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        authorization_endpoint: `${sandbox.baseUrl}/auth/authorize`,
        token_endpoint: `${sandbox.baseUrl}/auth/token`,
        code_challenge_methods_supported: ['S256'],
        issuer: sandbox.fhirBaseUrl,
        jwks_uri: `${sandbox.baseUrl}/auth/jwks`,
      });
      expect(body['capabilities']).toEqual(
        expect.arrayContaining(['launch-ehr', 'sso-openid-connect']),
      );
    },
  );

  it('DISC-10/11: discovery and metadata are public and answer any origin', async () => {
    for (const path of [
      '.well-known/smart-configuration',
      'metadata',
      '.well-known/openid-configuration',
    ]) {
      const response = await fetch(`${sandbox.fhirBaseUrl}/${path}`, {
        headers: { origin: 'http://x.example' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    const metadata = (await (await read('metadata')).json()) as {
      fhirVersion: string;
      rest: { security: { extension: { extension: { url: string; valueUri: string }[] }[] } }[];
    };
    expect(metadata.fhirVersion).toBe('4.0.1');
    expect(metadata.rest[0]?.security.extension[0]?.extension).toEqual([
      { url: 'authorize', valueUri: `${sandbox.baseUrl}/auth/authorize` },
      { url: 'token', valueUri: `${sandbox.baseUrl}/auth/token` },
    ]);
  });

  it('RS-05: reads the launch patient and encounter with the token', async () => {
    const patient = await read('Patient/pat-amy-shaw', accessToken);
    expect(patient.status).toBe(200);
    expect(patient.headers.get('etag')).toBe('W/"1"');
    expect(await patient.json()).toMatchObject({
      resourceType: 'Patient',
      id: 'pat-amy-shaw',
      birthDate: '1987-02-20',
      name: [{ given: ['Amy'], family: 'Shaw' }],
    });
    expect((await read('Encounter/enc-amy-shaw', accessToken)).status).toBe(200);
  });

  it('RS-04: no token is 401 with a Bearer challenge and an OperationOutcome', async () => {
    const response = await read('Patient/pat-amy-shaw');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${sandbox.fhirBaseUrl}"`);
    expect(await response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login' }],
    });
  });

  it('RS-01: a tampered token is 401 invalid_token', async () => {
    const tampered = `${accessToken.slice(0, -4)}AAAA`;
    const response = await read('Patient/pat-amy-shaw', tampered);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('TOKEN-06: an expired token is 401 invalid_token', async () => {
    sandbox.clock.now += (sandbox.config.accessTokenTtlSeconds + 5) * 1000;
    try {
      const response = await read('Patient/pat-amy-shaw', accessToken);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain(
        'error_description="The access token expired."',
      );
    } finally {
      sandbox.clock.now = Date.now();
    }
  });

  it('RS-03: a token for another audience is 401 invalid_token', async () => {
    const foreign = new TokenService(
      { ...sandbox.config, fhirBaseUrl: 'https://other-ehr.example/fhir' },
      new SigningKeyStore(sandbox.prisma),
    );
    const { accessToken: otherAudience } = await foreign.issueAccessToken({
      client_id: 'bedside-web',
      scope: 'user/*.rs',
    });
    const response = await read('Patient/pat-amy-shaw', otherAudience);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      issue: [{ diagnostics: expect.stringContaining('not valid for this server') }],
    });
  });

  it('RS-02: a type with no granted scope is 403, even when the id does not exist', async () => {
    for (const path of ['Observation/anything', 'Practitioner/practitioner-ann-lee']) {
      const response = await read(path, accessToken);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ issue: [{ code: 'forbidden' }] });
    }
  });

  it('SCOPE-08: patient/ scopes never reach another patient', async () => {
    const response = await read('Patient/pat-omar-haddad', accessToken);
    expect(response.status).toBe(404);
    expect((await read('Encounter/enc-omar-haddad', accessToken)).status).toBe(404);
  });

  it('answers an unknown id with 404 not-found', async () => {
    const response = await read('Patient/nobody', accessToken);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ issue: [{ code: 'not-found' }] });
  });
});
