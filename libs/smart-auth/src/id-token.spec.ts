import { createLocalJWKSet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { T0, expectError, signJwt, testKey } from '../test/fixtures.js';
import { IdTokenError } from './errors.js';
import { fhirUserClaim, resolveFhirUser, verifyIdToken } from './id-token.js';

import type { TestKey } from '../test/fixtures.js';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';

const ISSUER = 'https://ehr.example.org/fhir';
const CLIENT = 'app-client-id';
const NONCE = 'n-0S6_WzA2Mj';
const nowSec = T0 / 1000;

let key: TestKey;
let otherKey: TestKey;
let jwks: JWTVerifyGetKey;

beforeAll(async () => {
  key = await testKey('RS256', 'ehr-key-1');
  // Same kid, different key material: a forged token must fail on the signature.
  otherKey = await testKey('RS256', 'attacker');
  jwks = createLocalJWKSet({ keys: [key.publicJwk] });
});

function claims(patch: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    sub: 'a6f1c3b2',
    aud: CLIENT,
    iat: nowSec - 10,
    exp: nowSec + 300,
    nonce: NONCE,
    fhirUser: 'Practitioner/smart-Practitioner-71482713',
    ...patch,
  };
}

function verify(token: string, extra: Partial<Parameters<typeof verifyIdToken>[1]> = {}) {
  return verifyIdToken(token, {
    issuer: ISSUER,
    clientId: CLIENT,
    nonce: NONCE,
    jwks,
    now: () => T0,
    ...extra,
  });
}

describe('SMART App Launch 2.2 §scopes-and-launch-context "ID token" — verification (OIDC-05)', () => {
  it('returns the claims of a valid RS256 token', async () => {
    const result = await verify(await signJwt(key, claims()));
    expect(result).toMatchObject({
      iss: ISSUER,
      sub: 'a6f1c3b2',
      aud: CLIENT,
      fhirUser: 'Practitioner/smart-Practitioner-71482713',
    });
  });

  it('accepts aud as an array containing the client id', async () => {
    const token = await signJwt(key, claims({ aud: ['other', CLIENT], azp: CLIENT }));
    await expect(verify(token)).resolves.toMatchObject({ aud: ['other', CLIENT] });
  });

  it('accepts a token without nonce when none was sent', async () => {
    const token = await signJwt(key, claims({ nonce: undefined }));
    await expect(verify(token, { nonce: undefined })).resolves.toMatchObject({ sub: 'a6f1c3b2' });
  });

  it('tolerates 60 s of clock skew by default on exp and iat', async () => {
    await expect(verify(await signJwt(key, claims({ exp: nowSec - 59 })))).resolves.toBeTruthy();
    await expect(verify(await signJwt(key, claims({ iat: nowSec + 59 })))).resolves.toBeTruthy();
  });

  it.each<[string, string, () => Promise<string>]>([
    [
      'bad_signature',
      'signed by another key under the same kid',
      async () => signJwt(otherKey, claims(), { kid: 'ehr-key-1' }),
    ],
    ['no_matching_key', 'signed with an unknown kid', async () => signJwt(otherKey, claims())],
    [
      'wrong_audience',
      'aud is another client',
      async () => signJwt(key, claims({ aud: 'someone-else' })),
    ],
    [
      'wrong_audience',
      'aud array without the client',
      async () => signJwt(key, claims({ aud: ['a', 'b'] })),
    ],
    [
      'wrong_authorized_party',
      'azp is another client',
      async () => signJwt(key, claims({ aud: [CLIENT, 'b'], azp: 'b' })),
    ],
    [
      'wrong_issuer',
      'iss is another server',
      async () => signJwt(key, claims({ iss: 'https://evil.example/fhir' })),
    ],
    [
      'wrong_issuer',
      'iss differs by a trailing slash',
      async () => signJwt(key, claims({ iss: `${ISSUER}/` })),
    ],
    ['expired', 'exp more than 60 s ago', async () => signJwt(key, claims({ exp: nowSec - 61 }))],
    [
      'issued_in_future',
      'iat more than 60 s ahead',
      async () => signJwt(key, claims({ iat: nowSec + 61, exp: nowSec + 600 })),
    ],
    ['not_yet_valid', 'nbf in the future', async () => signJwt(key, claims({ nbf: nowSec + 120 }))],
    ['nonce_mismatch', 'another nonce', async () => signJwt(key, claims({ nonce: 'replayed' }))],
    [
      'nonce_mismatch',
      'no nonce although one was sent',
      async () => signJwt(key, claims({ nonce: undefined })),
    ],
    ['missing_claim', 'no sub', async () => signJwt(key, claims({ sub: undefined }))],
    ['missing_claim', 'no exp', async () => signJwt(key, claims({ exp: undefined }))],
    ['missing_claim', 'no iat', async () => signJwt(key, claims({ iat: undefined }))],
    [
      'invalid_claim',
      'sub longer than 255',
      async () => signJwt(key, claims({ sub: 'x'.repeat(256) })),
    ],
    ['invalid_claim', 'fhirUser not a string', async () => signJwt(key, claims({ fhirUser: 7 }))],
    ['malformed', 'not a JWT', async () => 'not-a-jwt'],
    [
      'alg_not_allowed',
      'unsigned (alg none)',
      async () =>
        `${btoa('{"alg":"none"}').replace(/=/g, '')}.${btoa(JSON.stringify(claims())).replace(/=/g, '')}.`,
    ],
  ])('%s: %s', async (code, _label, makeToken) => {
    await expectError(verify(await makeToken()), IdTokenError, {
      code,
      status: 401,
      exposable: false,
    });
  });

  it('alg_not_allowed: RS384 token when only RS256 is allowed (OIDC-02)', async () => {
    const rs384 = await testKey('RS384', 'ehr-key-384');
    const token = await signJwt(rs384, claims());
    await expectError(
      verify(token, { jwks: createLocalJWKSet({ keys: [rs384.publicJwk] }) }),
      IdTokenError,
      { code: 'alg_not_allowed' },
    );
    await expect(
      verify(token, {
        jwks: createLocalJWKSet({ keys: [rs384.publicJwk] }),
        algorithms: ['RS384'],
      }),
    ).resolves.toBeTruthy();
  });

  it('jwks_unavailable: the key resolver fails (JWKS fetch error)', async () => {
    const failing: JWTVerifyGetKey = async () => {
      throw new TypeError('fetch failed');
    };
    await expectError(verify(await signJwt(key, claims()), { jwks: failing }), IdTokenError, {
      code: 'jwks_unavailable',
    });
  });

  it('honours a custom clock tolerance', async () => {
    await expectError(
      verify(await signJwt(key, claims({ exp: nowSec - 5 })), { clockToleranceSeconds: 0 }),
      IdTokenError,
      { code: 'expired' },
    );
  });
});

describe('SMART App Launch 2.2 §fhirUser — resolveFhirUser (OIDC-04, OIDC-06)', () => {
  const base = 'https://ehr.example.org/fhir';
  it.each([
    ['Practitioner/123', `${base}/Practitioner/123`, 'Practitioner', '123', true],
    ['Patient/abc-1.2', `${base}/Patient/abc-1.2`, 'Patient', 'abc-1.2', true],
    ['PractitionerRole/9', `${base}/PractitionerRole/9`, 'PractitionerRole', '9', true],
    ['RelatedPerson/r', `${base}/RelatedPerson/r`, 'RelatedPerson', 'r', true],
    ['Person/p', `${base}/Person/p`, 'Person', 'p', true],
    [`${base}/Practitioner/123`, `${base}/Practitioner/123`, 'Practitioner', '123', true],
    [
      `${base}/Practitioner/123/_history/4`,
      `${base}/Practitioner/123`,
      'Practitioner',
      '123',
      true,
    ],
    [
      'https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/Practitioner/eM5CWtq15N0WJeuCet5bJlQ3',
      'https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/Practitioner/eM5CWtq15N0WJeuCet5bJlQ3',
      'Practitioner',
      'eM5CWtq15N0WJeuCet5bJlQ3',
      false,
    ],
  ])('%s → %s', (fhirUser, url, resourceType, id, sameServer) => {
    expect(resolveFhirUser(fhirUser, `${base}/`)).toEqual({ url, resourceType, id, sameServer });
  });

  it.each([
    ['Observation/1', 'is not a Patient, Practitioner, PractitionerRole, RelatedPerson or Person'],
    ['Practitioner', 'is not a Type/id reference'],
    ['Practitioner/bad id', 'is not a Type/id reference'],
    ['Practitioner/1/_history', 'has a malformed _history suffix'],
    ['fhir/Practitioner/1', 'is not a Type/id reference'],
    ['mailto:doc@example.org', 'is not an http(s) URL'],
    ['https://[bad', 'is not a URL'],
  ])('rejects %s', (fhirUser, why) => {
    expect(() => resolveFhirUser(fhirUser, base)).toThrow(
      expect.objectContaining({
        constructor: IdTokenError,
        code: 'invalid_fhir_user',
        message: `fhirUser ${why}: ${fhirUser}`,
      }),
    );
  });

  it('fhirUserClaim falls back to the legacy profile claim', () => {
    expect(fhirUserClaim({ fhirUser: 'Patient/1', profile: 'Patient/2' })).toBe('Patient/1');
    expect(fhirUserClaim({ profile: 'Patient/2' })).toBe('Patient/2');
    expect(fhirUserClaim({})).toBeUndefined();
  });
});
