import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  clientCredentialsForm,
  createAsymmetricClient,
  createSymmetricClient,
  expectOAuthError,
  signAssertion,
} from '../../test/clients.js';
import {
  appClientId,
  appRedirectUri,
  startSandbox,
  type SandboxHarness,
} from '../../test/harness.js';
import {
  authorize,
  codeExchangeForm,
  createLaunchFor,
  ehrLaunchTokens,
  pkcePair,
  refreshForm,
  tokenRequest,
} from '../../test/launch-flow.js';

/** Rows are those of the quirk table at the end of shared/spec/ehr-quirks.md (§7). */
describe('Vendor profiles — ehr-quirks.md §7 rows reproduced by the sandbox', () => {
  let sandbox: SandboxHarness;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const standaloneAuthorize = (clientId: string, params: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: appRedirectUri,
      state: 'st',
      aud: sandbox.fhirBaseUrl,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...params,
    };
    for (const [key, value] of Object.entries(all)) if (value !== undefined) search.set(key, value);
    return fetch(`${sandbox.baseUrl}/auth/authorize?${search}`, { redirect: 'manual' });
  };
  const redirectError = (response: Response) =>
    new URL(response.headers.get('location') ?? '').searchParams.get('error');

  describe('epic', () => {
    it('row 21: need_patient_banner is the string "false"', async () => {
      const { body } = await ehrLaunchTokens(sandbox, { profile: 'epic' });
      expect(body['need_patient_banner']).toBe('false');
      const generic = await ehrLaunchTokens(sandbox);
      expect(generic.body['need_patient_banner']).toBe(false);
    });

    it('row 20: the token response carries __epic.dstu2.patient', async () => {
      const { body } = await ehrLaunchTokens(sandbox, { profile: 'epic' });
      expect(body['__epic.dstu2.patient']).toBe('Tpat-amy-shaw');
    });

    it('row 19: PKCE is optional (a code without a challenge is exchanged without a verifier); plain still refused', async () => {
      const launch = await createLaunchFor(sandbox, appClientId, { profile: 'epic' });
      const response = await authorize(sandbox, {
        launch,
        challenge: '',
        overrides: { code_challenge: undefined, code_challenge_method: undefined },
      });
      const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
      expect(code).not.toBe('');
      const form = codeExchangeForm(code, '');
      delete form['code_verifier'];
      expect((await tokenRequest(sandbox, form)).status).toBe(200);

      const plain = await authorize(sandbox, {
        launch: await createLaunchFor(sandbox, appClientId, { profile: 'epic' }),
        challenge: pkcePair().challenge,
        overrides: { code_challenge_method: 'plain' },
      });
      expect(redirectError(plain)).toBe('invalid_request');
      const generic = await authorize(sandbox, {
        launch: await createLaunchFor(sandbox, appClientId),
        challenge: '',
        overrides: { code_challenge: undefined, code_challenge_method: undefined },
      });
      expect(redirectError(generic)).toBe('invalid_request');
    });

    it('row 14: the granted scope string ends with a trailing space', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        profile: 'epic',
        scope: 'launch patient/*.rs',
      });
      expect(body['scope']).toBe('launch patient/*.rs ');
    });

    it('row 15: an app registered for SMART v1 gets v1 scopes for its v2 request', async () => {
      const client = await createSymmetricClient(sandbox, {
        profile: 'epic',
        allowedScope: 'launch patient/Patient.read patient/Patient.rs',
      });
      await sandbox.prisma.sandboxClient.update({
        where: { clientId: client.clientId },
        data: { scopeVersion: 'v1' },
      });
      const { body } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        profile: 'epic',
        scope: 'launch patient/Patient.rs',
        auth: { form: { client_secret: client.secret } },
      });
      expect(body['scope']).toBe('launch patient/Patient.read ');
    });

    it('row 9: a wrong aud shows "Something went wrong trying to authorize the client" (400 page, no redirect)', async () => {
      const launch = await createLaunchFor(sandbox, appClientId, { profile: 'epic' });
      const response = await authorize(sandbox, {
        launch,
        challenge: pkcePair().challenge,
        overrides: { aud: 'https://inferno.healthit.gov/invalid_aud' },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain(
        'Something went wrong trying to authorize the client',
      );
    });

    it('row 10: standalone without launch/* scopes may omit aud; with launch/patient it may not', async () => {
      const client = await createSymmetricClient(sandbox, { profile: 'epic' });
      const withoutLaunchScopes = await standaloneAuthorize(client.clientId, {
        scope: 'openid fhirUser',
        aud: undefined,
      });
      expect(withoutLaunchScopes.status).toBe(302);
      expect(new URL(withoutLaunchScopes.headers.get('location') ?? '').pathname).toBe(
        '/auth/login',
      );
      const withLaunchPatient = await standaloneAuthorize(client.clientId, {
        scope: 'launch/patient patient/*.rs',
        aud: undefined,
      });
      expect(withLaunchPatient.status).toBe(400);
    });

    it('row 33: a backend request without scope gets the registered system scopes', async () => {
      const client = await createAsymmetricClient(sandbox, { profile: 'epic' });
      const form = clientCredentialsForm(await signAssertion(sandbox, client));
      delete form['scope'];
      const response = await tokenRequest(sandbox, form);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { scope: string }).scope).toBe(
        'system/Patient.rs system/Observation.rs',
      );
    });

    it('row 31: RS256 backend assertions are accepted (generic refuses them)', async () => {
      const epic = await createAsymmetricClient(sandbox, { profile: 'epic', alg: 'RS256' });
      expect(
        (await tokenRequest(sandbox, clientCredentialsForm(await signAssertion(sandbox, epic))))
          .status,
      ).toBe(200);
      const generic = await createAsymmetricClient(sandbox, { alg: 'RS256' });
      await expectOAuthError(
        await tokenRequest(sandbox, clientCredentialsForm(await signAssertion(sandbox, generic))),
        401,
        'invalid_client',
        'not accepted',
      );
    });

    it('row 23: fhirUser in the id_token is an absolute URL', async () => {
      const { body } = await ehrLaunchTokens(sandbox, { profile: 'epic' });
      expect(decodeJwt(body['id_token'] as string)['fhirUser']).toBe(
        `${sandbox.fhirBaseUrl}/Practitioner/practitioner-ann-lee`,
      );
    });
  });

  describe('oracle', () => {
    it('row 25: access tokens live 570 seconds', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        profile: 'oracle',
        scope: 'launch openid fhirUser patient/Patient.rs offline_access',
      });
      expect(body['expires_in']).toBe(570);
    });

    it('row 20: the token response carries tenant, user and username', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        profile: 'oracle',
        scope: 'launch openid fhirUser patient/Patient.rs offline_access',
      });
      expect(body).toMatchObject({
        tenant: expect.any(String),
        user: 'Practitioner/practitioner-ann-lee',
        username: 'Practitioner/practitioner-ann-lee',
      });
    });

    it('rows 26 and 29: refresh never returns a new refresh token, and is throttled to once a minute', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        profile: 'oracle',
        scope: 'launch openid fhirUser patient/Patient.rs offline_access',
      });
      const refreshToken = body['refresh_token'] as string;
      sandbox.clock.now += 61_000;
      try {
        const first = await tokenRequest(sandbox, refreshForm(refreshToken));
        const firstBody = (await first.json()) as Record<string, unknown>;
        expect(first.status).toBe(200);
        expect(firstBody['refresh_token']).toBeUndefined();
        await expectOAuthError(
          await tokenRequest(sandbox, refreshForm(refreshToken)),
          400,
          'invalid_request',
          'once every 60 seconds',
        );
        sandbox.clock.now += 61_000;
        const third = await tokenRequest(sandbox, refreshForm(refreshToken));
        expect(await third.json()).toMatchObject({ token_type: 'Bearer' });
      } finally {
        sandbox.clock.now = Date.now();
      }
    });

    it('row 17: a scope string over 1000 characters is invalid_scope', async () => {
      const launch = await createLaunchFor(sandbox, appClientId, { profile: 'oracle' });
      const scope = `launch ${Array.from({ length: 60 }, (_, i) => `patient/Type${i}.rs`).join(' ')}`;
      const response = await authorize(sandbox, { launch, challenge: pkcePair().challenge, scope });
      expect(redirectError(response)).toBe('invalid_scope');
    });

    it('row 16: wildcard scopes are invalid_scope', async () => {
      const launch = await createLaunchFor(sandbox, appClientId, { profile: 'oracle' });
      const response = await authorize(sandbox, {
        launch,
        challenge: pkcePair().challenge,
        scope: 'launch patient/*.rs',
      });
      expect(redirectError(response)).toBe('invalid_scope');
    });

    it('row 51: token errors carry an error_uri', async () => {
      const oracleClient = await createSymmetricClient(sandbox, { profile: 'oracle' });
      const error = await expectOAuthError(
        await tokenRequest(sandbox, {
          grant_type: 'refresh_token',
          refresh_token: 'unknown',
          client_id: oracleClient.clientId,
          client_secret: oracleClient.secret,
        }),
        400,
        'invalid_grant',
      );
      expect(error['error_uri']).toBe('https://fhir.cerner.com/authorization/#errors');
    });
  });

  describe('athena', () => {
    it('row 20: the token response carries ah_practice', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        profile: 'athena',
        scope: 'launch patient/Patient.rs offline_access',
      });
      expect(body['ah_practice']).toBe('Organization/a-1.Practice-195900');
    });

    it('row 28: refresh without scope is 400 invalid_request; with scope it works', async () => {
      const { body } = await ehrLaunchTokens(sandbox, {
        profile: 'athena',
        scope: 'launch patient/Patient.rs offline_access',
      });
      await expectOAuthError(
        await tokenRequest(sandbox, refreshForm(body['refresh_token'] as string)),
        400,
        'invalid_request',
        'scope is required',
      );
      const response = await tokenRequest(
        sandbox,
        refreshForm(body['refresh_token'] as string, {
          scope: 'patient/Patient.rs offline_access',
        }),
      );
      expect(response.status).toBe(200);
    });

    it('row 46: the 51st token request in a minute is 429 with Retry-After', async () => {
      const client = await createSymmetricClient(sandbox, { profile: 'athena' });
      const form = {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: client.clientId,
        client_secret: 'wrong',
      };
      for (let i = 0; i < 50; i += 1) {
        expect((await tokenRequest(sandbox, form)).status).toBe(401);
      }
      const limited = await tokenRequest(sandbox, form);
      expect(limited.headers.get('retry-after')).toBe('60');
      await expectOAuthError(limited, 429, 'temporarily_unavailable', 'Too many');
    });

    it('row 48: no CORS headers on the token endpoint (generic has them)', async () => {
      const athena = await createSymmetricClient(sandbox, { profile: 'athena' });
      const response = await tokenRequest(
        sandbox,
        { grant_type: 'password', client_id: athena.clientId },
        { origin: 'https://app.example' },
      );
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const generic = await tokenRequest(
        sandbox,
        { grant_type: 'password', client_id: appClientId },
        { origin: 'https://app.example' },
      );
      expect(generic.headers.get('access-control-allow-origin')).toBe('*');
    });
  });

  describe('ecw', () => {
    it('row 31: only RS384 backend assertions (ES384 is 401 invalid_client)', async () => {
      const es384 = await createAsymmetricClient(sandbox, { profile: 'ecw', alg: 'ES384' });
      await expectOAuthError(
        await tokenRequest(sandbox, clientCredentialsForm(await signAssertion(sandbox, es384))),
        401,
        'invalid_client',
        'RS384',
      );
      const rs384 = await createAsymmetricClient(sandbox, { profile: 'ecw' });
      expect(
        (await tokenRequest(sandbox, clientCredentialsForm(await signAssertion(sandbox, rs384))))
          .status,
      ).toBe(200);
    });

    it('row 27: a used refresh token is refused, but the grant survives (no family revocation)', async () => {
      const client = await createSymmetricClient(sandbox, { profile: 'ecw' });
      const auth = { client_id: client.clientId, client_secret: client.secret };
      const { body } = await ehrLaunchTokens(sandbox, {
        clientId: client.clientId,
        scope: 'launch patient/*.rs offline_access',
        auth: { form: { client_secret: client.secret } },
      });
      const first = body['refresh_token'] as string;
      const next = (await (
        await tokenRequest(sandbox, { grant_type: 'refresh_token', refresh_token: first, ...auth })
      ).json()) as Record<string, string>;
      await expectOAuthError(
        await tokenRequest(sandbox, { grant_type: 'refresh_token', refresh_token: first, ...auth }),
        400,
        'invalid_grant',
        'already used',
      );
      const again = await tokenRequest(sandbox, {
        grant_type: 'refresh_token',
        refresh_token: next['refresh_token'] as string,
        ...auth,
      });
      expect(again.status).toBe(200);
    });

    it('matrix "Refresh": public clients get no refresh token (offline_access withheld)', async () => {
      const { body } = await ehrLaunchTokens(sandbox, { profile: 'ecw' });
      expect(body['scope']).not.toContain('offline_access');
      expect(body['refresh_token']).toBeUndefined();
    });

    it('row 48: no CORS headers on the token endpoint', async () => {
      const ecw = await createSymmetricClient(sandbox, { profile: 'ecw' });
      const response = await tokenRequest(
        sandbox,
        { grant_type: 'password', client_id: ecw.clientId },
        { origin: 'https://app.example' },
      );
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('the vendor profile of a client is set with PUT /auth/dev/clients/:id/profile', async () => {
    const client = await createSymmetricClient(sandbox);
    const put = (profile: string) =>
      fetch(`${sandbox.baseUrl}/auth/dev/clients/${client.clientId}/profile`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ profile }),
      });
    expect((await put('oracle')).status).toBe(200);
    const { body } = await ehrLaunchTokens(sandbox, {
      clientId: client.clientId,
      scope: 'launch patient/Patient.rs',
      auth: { form: { client_secret: client.secret } },
    });
    // A launch without its own profile runs under the client's.
    expect(body['expires_in']).toBe(570);
    await expectOAuthError(await put('cerner'), 400, 'invalid_request', 'profile must be one of');
  });
});
