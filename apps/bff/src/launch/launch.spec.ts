import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { clientId, startBff, type BffHarness } from '../../test/harness.js';

interface LaunchedSession {
  handle: string;
  cookie: string;
  setCookie: string;
}

describe('SMART App Launch 2.2 §app-launch — BFF EHR launch (fake EHR, real PostgreSQL)', () => {
  let bff: BffHarness;

  beforeAll(async () => {
    bff = await startBff();
  });
  afterAll(async () => {
    await bff.close();
  });
  beforeEach(() => {
    bff.ehr.behaviour.tokenError = undefined;
    bff.ehr.behaviour.idTokenNonce = undefined;
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${bff.baseUrl}${path}`, { headers, redirect: 'manual' });

  async function startLaunch(): Promise<URL> {
    const response = await get(
      `/launch?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}&launch=launch-xyz`,
    );
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location') ?? '');
  }

  async function completeLaunch(): Promise<LaunchedSession> {
    const authorize = await startLaunch();
    const code = bff.ehr.issueCode(authorize.toString());
    const state = authorize.searchParams.get('state') ?? '';
    const callback = await get(`/callback?code=${code}&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(302);
    const setCookie = callback.headers.get('set-cookie') ?? '';
    const appUrl = new URL(callback.headers.get('location') ?? '');
    const handle = appUrl.searchParams.get('session') ?? '';
    return { handle, setCookie, cookie: setCookie.split(';')[0] ?? '' };
  }

  async function sessionCount(): Promise<number> {
    return bff.prisma.session.count();
  }

  it('LAUNCH-02, AUTHZ-02, PKCE-01, STATE-01: redirects to the EHR with every SMART parameter', async () => {
    const authorize = await startLaunch();
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${bff.ehr.baseUrl}/authorize`);
    const params = authorize.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(clientId);
    expect(params.get('redirect_uri')).toBe('http://app.test:3000/callback');
    expect(params.get('aud')).toBe(bff.ehr.fhirBaseUrl);
    expect(params.get('launch')).toBe('launch-xyz');
    expect(params.get('scope')).toBe('launch openid fhirUser patient/Patient.rs');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('nonce')).toBeTruthy();
    // ≥ 128 bits of state, from a CSPRNG; stored server-side with the verifier sealed.
    const state = params.get('state') ?? '';
    expect(Buffer.from(state, 'base64url').length).toBeGreaterThanOrEqual(16);
    const pending = await bff.prisma.pendingAuthorization.findUniqueOrThrow({ where: { state } });
    expect(pending.consumedAt).toBeNull();
    expect(pending.codeVerifierCiphertext.length).toBeGreaterThan(43 + 28);
  });

  it('completes the launch: HttpOnly partitioned cookie, sealed tokens, context without tokens', async () => {
    const before = await sessionCount();
    const launched = await completeLaunch();
    expect(launched.handle).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(launched.setCookie).toMatch(new RegExp(`^__Host-bs-${launched.handle}=`));
    for (const attribute of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=None', 'Partitioned']) {
      expect(launched.setCookie).toContain(attribute);
    }
    expect(await sessionCount()).toBe(before + 1);

    const accessToken = bff.ehr.accessTokens.at(-1) ?? '';
    const stored = await bff.prisma.session.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(Buffer.from(stored.tokenSetCiphertext).toString('latin1')).not.toContain(accessToken);
    expect(stored).toMatchObject({
      patientId: 'p-42',
      encounterId: 'e-7',
      needPatientBanner: false,
    });
    expect(stored.fhirUser).toBe(`${bff.ehr.fhirBaseUrl}/Practitioner/p1`);

    const session = await get('/api/session', {
      'x-bedside-session': launched.handle,
      cookie: launched.cookie,
    });
    expect(session.status).toBe(200);
    const text = await session.text();
    expect(text).not.toContain(accessToken);
    expect(JSON.parse(text)).toMatchObject({
      patient: 'p-42',
      encounter: 'e-7',
      needPatientBanner: false,
      ehr: { name: 'Fake EHR', issuer: bff.ehr.fhirBaseUrl },
    });
  });

  it('proxies FHIR reads with the session token and audits each one', async () => {
    const launched = await completeLaunch();
    const response = await get('/api/fhir/Patient/p-42', {
      'x-bedside-session': launched.handle,
      cookie: launched.cookie,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBe('W/"3"');
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ resourceType: 'Patient', birthDate: '1815-12-10' });
    expect(body).not.toContain(bff.ehr.accessTokens.at(-1) ?? '');
    const upstream = bff.ehr.requests
      .filter((request) => request.url === '/fhir/Patient/p-42')
      .at(-1);
    expect(upstream?.headers['authorization']).toBe(`Bearer ${bff.ehr.accessTokens.at(-1)}`);
    await expect
      .poll(() =>
        bff.prisma.auditEvent.count({ where: { action: 'fhir.read', patientId: 'p-42' } }),
      )
      .toBeGreaterThan(0);
    const audit = await bff.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'fhir.read' },
      orderBy: { id: 'desc' },
    });
    expect(audit).toMatchObject({
      outcome: 'success',
      actor: `${bff.ehr.fhirBaseUrl}/Practitioner/p1`,
    });
    expect(audit.detail).toMatchObject({ resourceType: 'Patient', id: 'p-42', status: 200 });
  });

  it('keeps two launches in one browser apart', async () => {
    const first = await completeLaunch();
    const second = await completeLaunch();
    expect(first.handle).not.toBe(second.handle);
    const cookies = `${first.cookie}; ${second.cookie}`;
    for (const launched of [first, second]) {
      const response = await get('/api/session', {
        'x-bedside-session': launched.handle,
        cookie: cookies,
      });
      expect(response.status).toBe(200);
    }
    const wrongPair = await get('/api/session', {
      'x-bedside-session': first.handle,
      cookie: second.cookie,
    });
    expect(wrongPair.status).toBe(401);
  });

  it('LAUNCH-03: an unregistered iss is a 400 page naming it, with no redirect and no discovery', async () => {
    const seen = bff.ehr.requests.length;
    const response = await get('/launch?iss=https%3A%2F%2Fevil.example%2Ffhir&launch=x');
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const page = await response.text();
    expect(page).toContain('Unknown EHR');
    expect(page).toContain('https://evil.example/fhir');
    expect(bff.ehr.requests.length).toBe(seen);
    const audit = await bff.prisma.auditEvent.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({ action: 'launch.start', outcome: 'failure' });
  });

  it.each([
    ['no iss', '/launch?launch=x', 'Missing iss'],
    ['no launch', 'LAUNCH_WITHOUT_LAUNCH', 'Missing launch'],
  ])('refuses a launch with %s', async (_label, path, title) => {
    const resolved =
      path === 'LAUNCH_WITHOUT_LAUNCH'
        ? `/launch?iss=${encodeURIComponent(bff.ehr.fhirBaseUrl)}`
        : path;
    const response = await get(resolved);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(title);
  });

  it.each([
    ['missing state', () => '/callback?code=abc', 'Missing state'],
    ['unknown state', () => '/callback?code=abc&state=not-a-real-state', 'Unknown state'],
    ['repeated state', () => '/callback?code=abc&state=a&state=b', 'Missing state'],
  ])('STATE-03: %s is a 400 and stores nothing', async (_label, path, title) => {
    const before = await sessionCount();
    const response = await get(path());
    expect(response.status).toBe(400);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain(title);
    expect(await sessionCount()).toBe(before);
  });

  it('STATE-05: a reused state is a 400 and stores nothing', async () => {
    const authorize = await startLaunch();
    const state = encodeURIComponent(authorize.searchParams.get('state') ?? '');
    const code = bff.ehr.issueCode(authorize.toString());
    expect((await get(`/callback?code=${code}&state=${state}`)).status).toBe(302);
    const before = await sessionCount();
    const replay = await get(`/callback?code=${code}&state=${state}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
    expect(await sessionCount()).toBe(before);
  });

  it('surfaces an error redirect from the EHR without storing a session', async () => {
    const authorize = await startLaunch();
    const state = encodeURIComponent(authorize.searchParams.get('state') ?? '');
    const before = await sessionCount();
    const response = await get(
      `/callback?error=access_denied&error_description=User+declined&state=${state}`,
    );
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('access_denied');
    expect(page).toContain('User declined');
    expect(await sessionCount()).toBe(before);
  });

  it('a refused code exchange is a 502 page and stores nothing', async () => {
    bff.ehr.behaviour.tokenError = { status: 400, error: 'invalid_grant' };
    const authorize = await startLaunch();
    const state = encodeURIComponent(authorize.searchParams.get('state') ?? '');
    const before = await sessionCount();
    const response = await get(`/callback?code=whatever&state=${state}`);
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('invalid_grant');
    expect(await sessionCount()).toBe(before);
  });

  it('OIDC-05: an id_token with the wrong nonce is refused', async () => {
    bff.ehr.behaviour.idTokenNonce = 'someone-elses-nonce';
    const authorize = await startLaunch();
    const code = bff.ehr.issueCode(authorize.toString());
    const state = encodeURIComponent(authorize.searchParams.get('state') ?? '');
    const before = await sessionCount();
    const response = await get(`/callback?code=${code}&state=${state}`);
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('nonce_mismatch');
    expect(await sessionCount()).toBe(before);
  });

  it('the API answers 401 reauthorization_required without a session', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { 'x-bedside-session': 'AAAAAAAAAAAAAAAA', cookie: '__Host-bs-AAAAAAAAAAAAAAAA=nope' },
    ];
    for (const headers of attempts) {
      const response = await get('/api/session', headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: 'reauthorization_required',
        reason: 'no_session',
        message: 'There is no session for this launch. Launch the app from your EHR.',
      });
    }
  });

  it('the proxy refuses paths that are not plain FHIR reads', async () => {
    const launched = await completeLaunch();
    const response = await get('/api/fhir/..%2F..%2Fadmin', {
      'x-bedside-session': launched.handle,
      cookie: launched.cookie,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'not-supported' }],
    });
  });
});
