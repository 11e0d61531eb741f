import { SignJWT, base64url, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';

import { createFakeFetch } from '../test/fake-fetch.js';
import type { FakeFetch } from '../test/fake-fetch.js';
import { specExampleJwk, specExampleJwt10, specExampleJwt20 } from './testing/vectors.js';
import { isJkuAllowed, readBearerToken, verifyCdsClientJwt } from './client-jwt.js';
import type { CdsTrustedIssuer, VerifyCdsClientJwtOptions } from './client-jwt.js';
import { createCachedJwksFetcher } from './jwks-fetcher.js';
import { CdsJwtError } from './jwt-errors.js';
import type { CdsJwtErrorCode } from './jwt-errors.js';
import { createMemoryReplayCache } from './replay-cache.js';
import { signCdsClientJwt } from './sign-client-jwt.js';

const NOW = 1_750_000_000;
const ISS = 'https://ehr.example.org/fhir';
const JKU = 'https://ehr.example.org/.well-known/jwks.json';
const BASE = 'https://cds.example.org/cds-services';
const AUD = `${BASE}/some-service`;

interface Keys {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

let es384: Keys;
let rs384: Keys;
let other: Keys;

async function keys(alg: string, kid: string): Promise<Keys> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
  return { privateKey: pair.privateKey, publicJwk };
}

beforeAll(async () => {
  es384 = await keys('ES384', 'es-1');
  rs384 = await keys('RS384', 'rs-1');
  other = await keys('ES384', 'es-1');
});

function jwksResponse(...jwks: JWK[]): () => Response {
  return () => Response.json({ keys: jwks });
}

interface Setup {
  fetch: FakeFetch;
  options: VerifyCdsClientJwtOptions;
  clock: { seconds: number };
}

function setup(
  patch: Partial<VerifyCdsClientJwtOptions> = {},
  issuer: Partial<CdsTrustedIssuer> = {},
  routes: Parameters<typeof createFakeFetch>[0] = {
    [`GET ${JKU}`]: jwksResponse(es384.publicJwk, rs384.publicJwk),
  },
): Setup {
  const clock = { seconds: NOW };
  const now = () => clock.seconds * 1000;
  const fetch = createFakeFetch(routes);
  const options: VerifyCdsClientJwtOptions = {
    audience: AUD,
    trustedIssuers: [{ iss: ISS, allowedJku: [JKU], ...issuer }],
    fetchJwks: createCachedJwksFetcher({ fetch, now }),
    replayCache: createMemoryReplayCache({ now }),
    now,
    ...patch,
  };
  return { fetch, options, clock };
}

interface MintOptions {
  key?: Keys;
  header?: Record<string, unknown>;
  claims?: JWTPayload;
  omit?: string[];
}

/** A token like the CDS Hooks sandbox sends (exp = iat + 300), with overrides. */
async function mint({ key = es384, header = {}, claims = {}, omit = [] }: MintOptions = {}) {
  const alg = key.publicJwk.alg ?? 'ES384';
  const payload: JWTPayload = {
    iss: ISS,
    aud: AUD,
    iat: NOW,
    exp: NOW + 300,
    jti: globalThis.crypto.randomUUID(),
    ...claims,
  };
  const protectedHeader: Record<string, unknown> = {
    alg,
    typ: 'JWT',
    kid: key.publicJwk.kid,
    jku: JKU,
    ...header,
  };
  for (const name of omit) {
    delete payload[name];
    delete protectedHeader[name];
  }
  return new SignJWT(payload)
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

function unsigned(header: object, claims: object): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(claims)}.`;
}

async function expectRefusal(
  promise: Promise<unknown>,
  code: CdsJwtErrorCode,
  message: string,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CdsJwtError);
  expect(error).toMatchObject({ code, message, status: 401, exposable: false });
}

describe('CDS Hooks 2.0 §Trusting CDS Clients — the spec example JWTs (§17.7)', () => {
  const exampleIssuer: CdsTrustedIssuer = {
    iss: 'https://fhir-ehr.example.com/',
    allowedJku: ['https://fhir-ehr.example.com/jwk_uri'],
  };
  const exampleSetup = (seconds: number, maxLifetimeSeconds?: number | null) => {
    const fetch = createFakeFetch({
      'GET https://fhir-ehr.example.com/jwk_uri': jwksResponse(specExampleJwk),
    });
    const now = () => seconds * 1000;
    return {
      fetch,
      options: {
        audience: 'https://cds.example.org/cds-services/some-service',
        trustedIssuers: [exampleIssuer],
        fetchJwks: createCachedJwksFetcher({ fetch, now }),
        replayCache: createMemoryReplayCache({ now }),
        now,
        ...(maxLifetimeSeconds === undefined ? {} : { maxLifetimeSeconds }),
      },
    };
  };

  it('2.0 example: signature verifies when the lifetime cap is disabled', async () => {
    const { options } = exampleSetup(1_311_281_000, null);
    await expect(verifyCdsClientJwt(specExampleJwt20, options)).resolves.toMatchObject({
      issuer: 'https://fhir-ehr.example.com/',
      audience: 'https://cds.example.org/cds-services/some-service',
      jti: 'ee22b021-e1b7-4611-ba5b-8eec6a33ac1e',
      tenant: '2ddd6c3a-8e9a-44c6-a305-52111ad302a2',
      alg: 'ES384',
      kid: 'example-kid',
      jku: 'https://fhir-ehr.example.com/jwk_uri',
      issuedAt: 1_311_280_970,
      expiresAt: 1_422_568_860,
    });
  });

  it('2.0 example at its own time ⇒ 401 lifetime_too_long (exp − iat ≈ 3.5 years, JWT-5)', async () => {
    const { options, fetch } = exampleSetup(1_311_281_000);
    await expectRefusal(
      verifyCdsClientJwt(specExampleJwt20, options),
      'lifetime_too_long',
      'exp - iat is 111287890 s, more than the allowed 3600 s',
    );
    expect(fetch.calls).toEqual([]);
  });

  it('2.0 example today ⇒ 401 expired', async () => {
    const { options } = exampleSetup(NOW, null);
    await expectRefusal(
      verifyCdsClientJwt(specExampleJwt20, options),
      'expired',
      `exp 1422568860 has passed (now ${NOW})`,
    );
  });

  it('1.0 example (extra sub claim) verifies too: unknown claims are tolerated', async () => {
    const { options } = exampleSetup(1_311_281_000, null);
    await expect(verifyCdsClientJwt(specExampleJwt10, options)).resolves.toMatchObject({
      subject: 'client_id',
      claims: { sub: 'client_id' },
    });
  });
});

describe('CDS Hooks 2.0 §Trusting CDS Clients — accepted tokens (JWT-3, JWT-5)', () => {
  it.each([
    ['ES384', () => es384],
    ['RS384', () => rs384],
  ])('verifies an %s token and fetches the allow-listed jku once', async (_alg, key) => {
    const { options, fetch } = setup();
    const token = await signCdsClientJwt({
      privateKey: key().privateKey,
      kid: key().publicJwk.kid ?? '',
      jku: JKU,
      issuer: ISS,
      audience: AUD,
      now: options.now,
    });
    const verified = await verifyCdsClientJwt(token, options);
    expect(verified).toMatchObject({ issuer: ISS, audience: AUD, alg: _alg, jku: JKU });
    expect(verified.expiresAt - verified.issuedAt).toBe(300);
    await verifyCdsClientJwt(await mint({ key: key() }), options);
    expect(fetch.calls.map((c) => c.url)).toEqual([JKU]);
  });

  it('accepts aud as a one-element array', async () => {
    const { options } = setup();
    const token = await mint({ claims: { aud: [AUD] } });
    await expect(verifyCdsClientJwt(token, options)).resolves.toMatchObject({ audience: AUD });
  });

  it('accepts Epic-style claims: sub, nbf = iat − 300, 15-minute lifetime, RS384, base64 kid', async () => {
    const epicKey: Keys = {
      privateKey: rs384.privateKey,
      publicJwk: { ...rs384.publicJwk, kid: 'd3bmo5HzW61TUgikHZH+A8Tx4UOXz2iOs4KvVU4eLY0=' },
    };
    const epicJku =
      'https://ehr.example.org/interconnect/api/epic/2019/Security/Open/PublicKeys/530013/530013';
    const { options } = setup(
      {},
      {
        allowedJkuPrefixes: [
          'https://ehr.example.org/interconnect/api/epic/2019/Security/Open/PublicKeys/',
        ],
      },
      { [`GET ${epicJku}`]: jwksResponse(epicKey.publicJwk) },
    );
    const token = await mint({
      key: epicKey,
      header: { jku: epicJku },
      claims: { sub: 'bedside-cds-client', nbf: NOW - 300, exp: NOW + 900 },
    });
    await expect(verifyCdsClientJwt(token, options)).resolves.toMatchObject({
      subject: 'bedside-cds-client',
      notBefore: NOW - 300,
      kid: 'd3bmo5HzW61TUgikHZH+A8Tx4UOXz2iOs4KvVU4eLY0=',
    });
  });

  it('accepts an audience alias configured for the endpoint', async () => {
    const { options } = setup({
      audience: [AUD, 'http://internal-lb:8080/cds-services/some-service'],
    });
    const token = await mint({
      claims: { aud: 'http://internal-lb:8080/cds-services/some-service' },
    });
    await expect(verifyCdsClientJwt(token, options)).resolves.toMatchObject({
      audience: 'http://internal-lb:8080/cds-services/some-service',
    });
  });

  it('uses pinned keys when the token has no jku (exchanged out-of-band)', async () => {
    const { options, fetch } = setup({}, { allowedJku: [], jwks: { keys: [es384.publicJwk] } });
    const token = await mint({ omit: ['jku'] });
    await expect(verifyCdsClientJwt(token, options)).resolves.toMatchObject({ issuer: ISS });
    expect(fetch.calls).toEqual([]);
  });

  it('uses the out-of-band jwksUrl when the token has no jku', async () => {
    const { options, fetch } = setup({}, { allowedJku: [], jwksUrl: JKU });
    await verifyCdsClientJwt(await mint({ omit: ['jku'] }), options);
    expect(fetch.calls.map((c) => c.url)).toEqual([JKU]);
  });

  it('tolerates 60 s of clock skew on exp, nbf and iat', async () => {
    const { options } = setup();
    const tokens = await Promise.all([
      mint({ claims: { iat: NOW - 359, exp: NOW - 59 } }),
      mint({ claims: { nbf: NOW + 60 } }),
      mint({ claims: { iat: NOW + 60, exp: NOW + 360 } }),
    ]);
    for (const token of tokens) await verifyCdsClientJwt(token, options);
  });

  it('refreshes the JWK Set once on an unknown kid (key rotation, JWT-4)', async () => {
    const rotated = await keys('ES384', 'es-2');
    let served = [es384.publicJwk];
    const { options, fetch, clock } = setup(
      {},
      {},
      { [`GET ${JKU}`]: () => Response.json({ keys: served }) },
    );
    await verifyCdsClientJwt(await mint(), options);
    served = [es384.publicJwk, rotated.publicJwk];
    clock.seconds += 31;
    const token = await mint({
      key: rotated,
      claims: { iat: clock.seconds, exp: clock.seconds + 300 },
    });
    await expect(verifyCdsClientJwt(token, options)).resolves.toMatchObject({ kid: 'es-2' });
    expect(fetch.calls.map((c) => c.url)).toEqual([JKU, JKU]);
  });

  it('accepts ES256 only when configured', async () => {
    const es256 = await keys('ES256', 'es256');
    const routes = { [`GET ${JKU}`]: jwksResponse(es256.publicJwk) };
    const token = await mint({ key: es256 });
    await expectRefusal(
      verifyCdsClientJwt(token, setup({}, {}, routes).options),
      'algorithm_not_allowed',
      'alg "ES256" is not allowed (accepted: ES384, RS384)',
    );
    await expect(
      verifyCdsClientJwt(token, setup({ algorithms: ['ES256', 'ES384'] }, {}, routes).options),
    ).resolves.toMatchObject({ alg: 'ES256' });
  });

  it('accepts a configured tenant', async () => {
    const { options } = setup({}, { tenants: ['org-1'] });
    await expect(
      verifyCdsClientJwt(await mint({ claims: { tenant: 'org-1' } }), options),
    ).resolves.toMatchObject({ tenant: 'org-1' });
  });
});

describe('CDS Hooks 2.0 §Trusting CDS Clients — refused tokens (§17.7 negative vectors)', () => {
  it('alg none ⇒ algorithm_not_allowed', async () => {
    const token = unsigned(
      { alg: 'none', typ: 'JWT', kid: 'es-1' },
      { iss: ISS, aud: AUD, iat: NOW, exp: NOW + 300, jti: 'x' },
    );
    await expectRefusal(
      verifyCdsClientJwt(token, setup().options),
      'algorithm_not_allowed',
      'alg "none" is not allowed (accepted: ES384, RS384)',
    );
  });

  it('HS256 signed with the public key as secret (alg confusion) ⇒ algorithm_not_allowed', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(rs384.publicJwk));
    const token = await new SignJWT({ iss: ISS, aud: AUD, iat: NOW, exp: NOW + 300, jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'rs-1', jku: JKU })
      .sign(secret);
    const { options, fetch } = setup({ algorithms: ['ES384', 'RS384', 'HS256' as 'RS384'] });
    await expectRefusal(
      verifyCdsClientJwt(token, options),
      'algorithm_not_allowed',
      'alg "HS256" is not allowed (accepted: ES384, RS384, HS256)',
    );
    expect(fetch.calls).toEqual([]);
  });

  it.each<[string, string, string, string]>([
    ['aud = the discovery URL on a hook call', BASE, AUD, `aud "${BASE}" does not name "${AUD}"`],
    [
      'aud = …/some-service on …/some-service/feedback',
      AUD,
      `${AUD}/feedback`,
      `aud "${AUD}" does not name "${AUD}/feedback"`,
    ],
  ])('%s ⇒ wrong_audience', async (_name, aud, audience, message) => {
    const { options } = setup({ audience });
    await expectRefusal(
      verifyCdsClientJwt(await mint({ claims: { aud } }), options),
      'wrong_audience',
      message,
    );
  });

  it.each<[string, MintOptions, CdsJwtErrorCode, string]>([
    [
      'exp 2 min ago',
      { claims: { iat: NOW - 420, exp: NOW - 120 } },
      'expired',
      `exp ${NOW - 120} has passed (now ${NOW})`,
    ],
    [
      'nbf 2 min ahead',
      { claims: { nbf: NOW + 120 } },
      'not_yet_valid',
      `nbf ${NOW + 120} is in the future (now ${NOW})`,
    ],
    [
      'iat 2 min ahead',
      { claims: { iat: NOW + 120, exp: NOW + 420 } },
      'not_yet_valid',
      `iat ${NOW + 120} is in the future (now ${NOW})`,
    ],
    [
      'a 2-hour lifetime',
      { claims: { exp: NOW + 7200 } },
      'lifetime_too_long',
      'exp - iat is 7200 s, more than the allowed 3600 s',
    ],
    [
      'iss not allow-listed',
      { claims: { iss: 'https://evil.example.com' } },
      'untrusted_issuer',
      'iss "https://evil.example.com" is not a trusted CDS Client',
    ],
    [
      'iss with a different trailing slash',
      { claims: { iss: `${ISS}/` } },
      'untrusted_issuer',
      `iss "${ISS}/" is not a trusted CDS Client`,
    ],
    ['typ missing', { omit: ['typ'] }, 'invalid_header', 'typ must be "JWT" (got null)'],
    [
      'typ at+jwt',
      { header: { typ: 'at+jwt' } },
      'invalid_header',
      'typ must be "JWT" (got "at+jwt")',
    ],
    ['kid missing', { omit: ['kid'] }, 'invalid_header', 'kid is required'],
    ['jti missing', { omit: ['jti'] }, 'missing_claim', 'jti is required'],
    ['iss missing', { omit: ['iss'] }, 'missing_claim', 'iss is required'],
    ['aud missing', { omit: ['aud'] }, 'missing_claim', 'aud is required'],
    ['exp missing', { omit: ['exp'] }, 'missing_claim', 'exp is required'],
    ['iat missing', { omit: ['iat'] }, 'missing_claim', 'iat is required'],
    [
      'exp a string',
      { claims: { exp: `${NOW + 300}` as unknown as number } },
      'invalid_claim',
      'exp must be a NumericDate',
    ],
    [
      'aud a number',
      { claims: { aud: 7 as unknown as string } },
      'invalid_claim',
      'aud must be a string or an array of strings',
    ],
    ['tenant a number', { claims: { tenant: 7 } }, 'invalid_claim', 'tenant must be a string'],
  ])('%s ⇒ %s', async (_name, mintOptions, code, message) => {
    const { options, fetch } = setup();
    await expectRefusal(verifyCdsClientJwt(await mint(mintOptions), options), code, message);
    // Claims are checked before any key is fetched.
    expect(fetch.calls).toEqual([]);
  });

  it('reused jti (second call) ⇒ replayed_jti', async () => {
    const { options } = setup();
    const token = await mint({ claims: { jti: 'once-only' } });
    await verifyCdsClientJwt(token, options);
    await expectRefusal(
      verifyCdsClientJwt(token, options),
      'replayed_jti',
      'jti "once-only" was already used',
    );
  });

  it('a forged token does not burn its jti', async () => {
    const { options } = setup();
    const forged = await mint({ key: other, claims: { jti: 'shared' } });
    await expectRefusal(
      verifyCdsClientJwt(forged, options),
      'bad_signature',
      'the signature does not verify with kid "es-1"',
    );
    await expect(
      verifyCdsClientJwt(await mint({ claims: { jti: 'shared' } }), options),
    ).resolves.toMatchObject({
      jti: 'shared',
    });
  });

  it.each([
    ['another host', 'https://evil.example.com/jwks.json'],
    ['a look-alike host', 'https://ehr.example.org.evil.example.com/.well-known/jwks.json'],
    ['another path on the same host', 'https://ehr.example.org/uploads/jwks.json'],
    ['http', 'http://ehr.example.org/.well-known/jwks.json'],
  ])('jku on %s ⇒ jku_not_allowed, and is never fetched', async (_name, jku) => {
    const { options, fetch } = setup();
    await expectRefusal(
      verifyCdsClientJwt(await mint({ header: { jku } }), options),
      'jku_not_allowed',
      `jku ${JSON.stringify(jku)} is not allow-listed for ${ISS}`,
    );
    expect(fetch.calls).toEqual([]);
  });

  it('kid absent from the JWKS after one refresh ⇒ unknown_kid', async () => {
    const { options, fetch, clock } = setup();
    await verifyCdsClientJwt(await mint(), options);
    clock.seconds += 31;
    const stranger = await keys('ES384', 'es-9');
    const token = await mint({
      key: stranger,
      claims: { iat: clock.seconds, exp: clock.seconds + 300 },
    });
    await expectRefusal(
      verifyCdsClientJwt(token, options),
      'unknown_kid',
      `no ES384 key with kid "es-9" in the JWKS of ${ISS}`,
    );
    expect(fetch.calls.map((c) => c.url)).toEqual([JKU, JKU]);
  });

  it('rate-limits refreshes: an unknown kid right after a fetch does not fetch again', async () => {
    const { options, fetch } = setup();
    await verifyCdsClientJwt(await mint(), options);
    const stranger = await keys('ES384', 'es-9');
    await expectRefusal(
      verifyCdsClientJwt(await mint({ key: stranger }), options),
      'unknown_kid',
      `no ES384 key with kid "es-9" in the JWKS of ${ISS}`,
    );
    expect(fetch.calls.map((c) => c.url)).toEqual([JKU]);
  });

  it('a kid whose key has another type or use ⇒ unknown_kid', async () => {
    const encryptionKey = { ...es384.publicJwk, use: 'enc' };
    const { options } = setup(
      {},
      {},
      { [`GET ${JKU}`]: jwksResponse(encryptionKey, rs384.publicJwk) },
    );
    await expectRefusal(
      verifyCdsClientJwt(await mint({ key: es384 }), options),
      'unknown_kid',
      `no ES384 key with kid "es-1" in the JWKS of ${ISS}`,
    );
    const mislabelled: Keys = {
      privateKey: es384.privateKey,
      publicJwk: { ...es384.publicJwk, kid: 'rs-1' },
    };
    await expectRefusal(
      verifyCdsClientJwt(await mint({ key: mislabelled }), options),
      'unknown_kid',
      `no ES384 key with kid "rs-1" in the JWKS of ${ISS}`,
    );
  });

  it('a tenant outside the configured list ⇒ untrusted_tenant', async () => {
    const { options } = setup({}, { tenants: ['org-1'] });
    await expectRefusal(
      verifyCdsClientJwt(await mint({ claims: { tenant: 'org-2' } }), options),
      'untrusted_tenant',
      `tenant "org-2" is not allowed for ${ISS}`,
    );
    await expectRefusal(
      verifyCdsClientJwt(await mint(), options),
      'untrusted_tenant',
      `tenant null is not allowed for ${ISS}`,
    );
  });

  it.each([
    ['not a JWS', 'abc', 'the token is not a compact JWS'],
    ['a JWE-like token', 'a.b.c.d.e', 'the token is not a compact JWS'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.sig', 'the JWS header is not valid JSON'],
  ])('%s ⇒ malformed', async (_name, token, message) => {
    await expectRefusal(verifyCdsClientJwt(token, setup().options), 'malformed', message);
  });

  it('claims that are not JSON ⇒ malformed', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'ES384', typ: 'JWT', kid: 'es-1' }));
    await expectRefusal(
      verifyCdsClientJwt(`${header}.bm90IGpzb24.sig`, setup().options),
      'malformed',
      'the JWT claims are not a JSON object',
    );
  });

  it('a JWKS that cannot be fetched ⇒ jwks_unavailable', async () => {
    const { options } = setup(
      {},
      {},
      { [`GET ${JKU}`]: () => new Response('down', { status: 503 }) },
    );
    await expectRefusal(
      verifyCdsClientJwt(await mint(), options),
      'jwks_unavailable',
      `JWKS ${JKU} answered 503`,
    );
  });

  it('no key source at all ⇒ jwks_unavailable', async () => {
    const { options } = setup({ fetchJwks: undefined });
    await expectRefusal(
      verifyCdsClientJwt(await mint(), options),
      'jwks_unavailable',
      `fetchJwks is not configured (needed for ${JKU})`,
    );
    const pinnedless = setup({}, { allowedJku: [] }).options;
    await expectRefusal(
      verifyCdsClientJwt(await mint({ omit: ['jku'] }), pinnedless),
      'jwks_unavailable',
      `no JWKS is configured for ${ISS} and the token has no jku`,
    );
  });

  it('a tampered payload ⇒ bad_signature', async () => {
    const token = await mint();
    const [header, , signature] = token.split('.');
    const payload = base64url.encode(
      JSON.stringify({ iss: ISS, aud: AUD, iat: NOW, exp: NOW + 300, jti: 'tampered' }),
    );
    await expectRefusal(
      verifyCdsClientJwt(`${header}.${payload}.${signature}`, setup().options),
      'bad_signature',
      'the signature does not verify with kid "es-1"',
    );
  });
});

describe('CDS Hooks 2.0 §Trusting CDS Clients — Authorization header', () => {
  it('reads a Bearer token', () => {
    expect(readBearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(readBearerToken('bearer  abc.def.ghi')).toBe('abc.def.ghi');
  });

  it.each<[string, string | undefined, string]>([
    ['no header', undefined, 'no Authorization header'],
    ['an empty header', ' ', 'no Authorization header'],
    [
      'Basic credentials',
      'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
      'the Authorization header is not a Bearer token',
    ],
    ['Bearer without a token', 'Bearer', 'the Authorization header is not a Bearer token'],
  ])('%s ⇒ missing_token', (_name, header, message) => {
    expect(() => readBearerToken(header)).toThrow(
      expect.objectContaining({ code: 'missing_token', message }),
    );
  });
});

describe('cds-hooks.md JWT-4 — jku allow-list matching', () => {
  const issuer: CdsTrustedIssuer = {
    iss: ISS,
    allowedJku: ['https://ehr.example.org/jwks'],
    allowedJkuPrefixes: ['https://keys.example.org/tenants'],
  };

  it.each([
    ['https://ehr.example.org/jwks', true],
    ['https://ehr.example.org:443/jwks', true],
    ['https://ehr.example.org/jwks?x=1', false],
    ['https://keys.example.org/tenants/a/jwks.json', true],
    ['https://keys.example.org/tenants', false],
    ['https://keys.example.org/tenants-evil/jwks.json', false],
    ['https://keys.example.org/tenants/../admin/jwks.json', false],
    ['https://keys.example.org/tenants/a/jwks.json?redirect=https://evil', false],
    ['https://user:pw@keys.example.org/tenants/a/jwks.json', false],
    ['not a url', false],
  ])('%s ⇒ %s', (jku, allowed) => {
    expect(isJkuAllowed(issuer, jku)).toBe(allowed);
  });
});
