import { compactVerify, decodeJwt, decodeProtectedHeader, errors, importJWK } from 'jose';
import type { JSONWebKeySet, JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';

import { isJwks } from './jwks-fetcher.js';
import type { JwksFetcher } from './jwks-fetcher.js';
import { CdsJwtError } from './jwt-errors.js';
import type { ReplayCache } from './replay-cache.js';

/** Asymmetric JWS algorithms a CDS Client may use. `none` and `HS*` are never among them (JWT-2). */
export const CdsJwtAlgorithm = {
  RS256: 'RS256',
  RS384: 'RS384',
  RS512: 'RS512',
  PS256: 'PS256',
  PS384: 'PS384',
  PS512: 'PS512',
  ES256: 'ES256',
  ES384: 'ES384',
  ES512: 'ES512',
} as const;
export type CdsJwtAlgorithm = (typeof CdsJwtAlgorithm)[keyof typeof CdsJwtAlgorithm];

/**
 * CDS Hooks 2.0 §Trusting CDS Clients: "CDS Clients SHOULD use ES384 or RS384"; Bedside accepts
 * only these two unless configured otherwise (cds-hooks.md JWT-2 decision).
 */
export const DEFAULT_CDS_JWT_ALGORITHMS: readonly CdsJwtAlgorithm[] = ['ES384', 'RS384'];

/** One CDS Client (EHR) this service trusts, keyed by the `iss` it puts in its JWTs. */
export interface CdsTrustedIssuer {
  /** Exact `iss` value (trailing slash included). */
  iss: string;
  /** Keys exchanged out-of-band; used when the token carries no `jku`. */
  jwks?: JSONWebKeySet;
  /** JWKS URL exchanged out-of-band; used when the token has no `jku`, and allowed as a `jku`. */
  jwksUrl?: string;
  /** Exact `jku` URLs this issuer may point to. */
  allowedJku?: readonly string[];
  /** URL folders a `jku` may sit under (same origin, path below; e.g. Epic's per-org key URLs). */
  allowedJkuPrefixes?: readonly string[];
  /** When set, `tenant` must be present and one of these (BP step 4). */
  tenants?: readonly string[];
}

export interface VerifyCdsClientJwtOptions {
  /**
   * The exact public URL that was called (`{baseUrl}/cds-services/{id}`, `…/feedback` or the
   * discovery URL), computed from configuration, not from `Host`. Several values are accepted as
   * aliases when an EHR is configured with another URL for the same endpoint (JWT-5).
   */
  audience: string | readonly string[];
  trustedIssuers: readonly CdsTrustedIssuer[];
  /** Loads (and should cache) JWK Sets by URL; see `createCachedJwksFetcher`. */
  fetchJwks?: JwksFetcher;
  /** Records `jti`s; see `createMemoryReplayCache`. */
  replayCache: ReplayCache;
  /** Clock in ms; defaults to `Date.now`. */
  now?: () => number;
  /** Allowed clock skew for `exp`, `nbf` and `iat` (default 60 s, as Inferno uses). */
  clockToleranceSeconds?: number;
  /** Longest accepted `exp − iat` (default 3600 s); `null` disables the check. */
  maxLifetimeSeconds?: number | null;
  /** Accepted algorithms (default ES384, RS384). */
  algorithms?: readonly CdsJwtAlgorithm[];
}

/** What a verified CDS Client JWT establishes. */
export interface VerifiedCdsClient {
  issuer: string;
  /** The `aud` value that matched. */
  audience: string;
  jti: string;
  tenant?: string;
  /** `sub`, which some clients (Epic, CDS Hooks 1.0) send. */
  subject?: string;
  issuedAt: number;
  expiresAt: number;
  notBefore?: number;
  alg: CdsJwtAlgorithm;
  kid: string;
  jku?: string;
  claims: JWTPayload;
}

const ALGORITHMS = new Set<string>(Object.values(CdsJwtAlgorithm));

/**
 * Reads the JWT from an `Authorization` header value.
 *
 * @throws {CdsJwtError} `missing_token` when the header is absent or not `Bearer <token>`.
 * See: CDS Hooks 2.0 §Trusting CDS Clients ("Authorization: Bearer {{JWT}}").
 */
export function readBearerToken(authorization: string | null | undefined): string {
  if (authorization === undefined || authorization === null || authorization.trim() === '') {
    throw new CdsJwtError('missing_token', 'no Authorization header');
  }
  // RFC 6750 §2.1: "Bearer" b64token; the scheme is case-insensitive.
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  if (match?.[1] === undefined) {
    throw new CdsJwtError('missing_token', 'the Authorization header is not a Bearer token');
  }
  return match[1];
}

/**
 * Verifies the JWT a CDS Client sends with every call (CDS Hooks 2.0 §Trusting CDS Clients), in
 * the order of the implementer best practices: header (`alg` allow-listed, `typ` JWT, `kid`),
 * `iss` allow-listed, `aud` equal to the URL called, `exp`/`nbf`/`iat` within the clock
 * tolerance, lifetime, `tenant`, signature by the `kid` key of the issuer's JWK Set (a `jku` is
 * fetched only when allow-listed for that issuer; one refresh on an unknown `kid`), and last the
 * `jti` replay check (so forged tokens cannot burn `jti`s).
 *
 * @throws {CdsJwtError} with the reason's `code`; answer `401` without details.
 * See: cds-hooks.md §9 (JWT-2..JWT-6), §17.7.
 */
export async function verifyCdsClientJwt(
  token: string,
  options: VerifyCdsClientJwtOptions,
): Promise<VerifiedCdsClient> {
  const tolerance = options.clockToleranceSeconds ?? 60;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);

  const header = readHeader(token, options.algorithms ?? DEFAULT_CDS_JWT_ALGORITHMS);
  const claims = readClaims(token);

  // BP step 1: iss on the allow-list.
  const iss = requireString(claims, 'iss');
  const issuer = options.trustedIssuers.find((candidate) => candidate.iss === iss);
  if (issuer === undefined) {
    throw new CdsJwtError(
      'untrusted_issuer',
      `iss ${JSON.stringify(iss)} is not a trusted CDS Client`,
    );
  }

  // BP step 2 / JWT-5: aud is the exact URL called (string, or array containing it).
  const audience = matchAudience(claims, options.audience);

  // BP step 3 / JWT-5: lifetime claims, with clock tolerance.
  const exp = requireNumber(claims, 'exp');
  const iat = requireNumber(claims, 'iat');
  const jti = requireString(claims, 'jti');
  const nbf = claims.nbf === undefined ? undefined : requireNumber(claims, 'nbf');
  if (exp <= nowSeconds - tolerance) {
    throw new CdsJwtError('expired', `exp ${exp} has passed (now ${nowSeconds})`);
  }
  if (nbf !== undefined && nbf > nowSeconds + tolerance) {
    throw new CdsJwtError('not_yet_valid', `nbf ${nbf} is in the future (now ${nowSeconds})`);
  }
  if (iat > nowSeconds + tolerance) {
    throw new CdsJwtError('not_yet_valid', `iat ${iat} is in the future (now ${nowSeconds})`);
  }
  const maxLifetime = options.maxLifetimeSeconds === undefined ? 3600 : options.maxLifetimeSeconds;
  if (maxLifetime !== null && exp - iat > maxLifetime) {
    throw new CdsJwtError(
      'lifetime_too_long',
      `exp - iat is ${exp - iat} s, more than the allowed ${maxLifetime} s`,
    );
  }

  // BP step 4: tenant, when the issuer's configuration restricts it.
  const tenant = claims['tenant'];
  if (tenant !== undefined && typeof tenant !== 'string') {
    throw new CdsJwtError('invalid_claim', 'tenant must be a string');
  }
  if (issuer.tenants !== undefined && (tenant === undefined || !issuer.tenants.includes(tenant))) {
    throw new CdsJwtError(
      'untrusted_tenant',
      `tenant ${JSON.stringify(tenant ?? null)} is not allowed for ${iss}`,
    );
  }

  // BP step 5: signature by the kid key.
  await verifySignature(token, header, issuer, options.fetchJwks);

  // BP step 6: jti not seen before; remember it until exp (+ skew).
  if (await options.replayCache.seen(jti, exp + tolerance, iss)) {
    throw new CdsJwtError('replayed_jti', `jti ${JSON.stringify(jti)} was already used`);
  }

  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  return {
    issuer: iss,
    audience,
    jti,
    ...(tenant === undefined ? {} : { tenant }),
    ...(subject === undefined ? {} : { subject }),
    issuedAt: iat,
    expiresAt: exp,
    ...(nbf === undefined ? {} : { notBefore: nbf }),
    alg: header.alg,
    kid: header.kid,
    ...(header.jku === undefined ? {} : { jku: header.jku }),
    claims,
  };
}

interface CheckedHeader {
  alg: CdsJwtAlgorithm;
  kid: string;
  jku?: string;
}

function readHeader(token: string, algorithms: readonly CdsJwtAlgorithm[]): CheckedHeader {
  if (typeof token !== 'string' || token.split('.').length !== 3) {
    throw new CdsJwtError('malformed', 'the token is not a compact JWS');
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw new CdsJwtError('malformed', 'the JWS header is not valid JSON', { cause: error });
  }
  const alg = header.alg;
  // JWT-2: `none` and symmetric algorithms are refused whatever the configuration says.
  if (
    typeof alg !== 'string' ||
    !ALGORITHMS.has(alg) ||
    !algorithms.includes(alg as CdsJwtAlgorithm)
  ) {
    throw new CdsJwtError(
      'algorithm_not_allowed',
      `alg ${JSON.stringify(alg ?? null)} is not allowed (accepted: ${algorithms.join(', ')})`,
    );
  }
  // CDS Hooks 2.0 §Trusting CDS Clients: typ REQUIRED, fixed value JWT.
  if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') {
    throw new CdsJwtError(
      'invalid_header',
      `typ must be "JWT" (got ${JSON.stringify(header.typ ?? null)})`,
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new CdsJwtError('invalid_header', 'kid is required');
  }
  if (header.jku !== undefined && (typeof header.jku !== 'string' || header.jku === '')) {
    throw new CdsJwtError('invalid_header', 'jku must be a URL');
  }
  return {
    alg: alg as CdsJwtAlgorithm,
    kid: header.kid,
    ...(header.jku === undefined ? {} : { jku: header.jku }),
  };
}

function readClaims(token: string): JWTPayload {
  try {
    return decodeJwt(token);
  } catch (error) {
    throw new CdsJwtError('malformed', 'the JWT claims are not a JSON object', { cause: error });
  }
}

function requireString(claims: JWTPayload, name: string): string {
  const value = claims[name];
  if (value === undefined) throw new CdsJwtError('missing_claim', `${name} is required`);
  if (typeof value !== 'string' || value === '') {
    throw new CdsJwtError('invalid_claim', `${name} must be a non-empty string`);
  }
  return value;
}

function requireNumber(claims: JWTPayload, name: string): number {
  const value = claims[name];
  if (value === undefined) throw new CdsJwtError('missing_claim', `${name} is required`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CdsJwtError('invalid_claim', `${name} must be a NumericDate`);
  }
  return value;
}

function matchAudience(claims: JWTPayload, expected: string | readonly string[]): string {
  const aud = claims.aud;
  if (aud === undefined) throw new CdsJwtError('missing_claim', 'aud is required');
  const values = typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new CdsJwtError('invalid_claim', 'aud must be a string or an array of strings');
  }
  const accepted: readonly string[] = typeof expected === 'string' ? [expected] : expected;
  const match = values.find((value) => accepted.includes(value));
  if (match === undefined) {
    throw new CdsJwtError(
      'wrong_audience',
      `aud ${JSON.stringify(aud)} does not name ${JSON.stringify(accepted[0] ?? '')}`,
    );
  }
  return match;
}

/** JWT-4: a `jku` is usable only when allow-listed for this issuer. */
export function isJkuAllowed(issuer: CdsTrustedIssuer, jku: string): boolean {
  let url: URL;
  try {
    url = new URL(jku);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  const exact = [
    ...(issuer.allowedJku ?? []),
    ...(issuer.jwksUrl === undefined ? [] : [issuer.jwksUrl]),
  ];
  if (exact.some((allowed) => sameUrl(allowed, url))) return true;
  return (issuer.allowedJkuPrefixes ?? []).some((prefix) => {
    let folder: URL;
    try {
      folder = new URL(prefix);
    } catch {
      return false;
    }
    const path = folder.pathname.endsWith('/') ? folder.pathname : `${folder.pathname}/`;
    return folder.origin === url.origin && url.pathname.startsWith(path) && url.search === '';
  });
}

function sameUrl(allowed: string, url: URL): boolean {
  try {
    return new URL(allowed).href === url.href;
  } catch {
    return false;
  }
}

async function verifySignature(
  token: string,
  header: CheckedHeader,
  issuer: CdsTrustedIssuer,
  fetchJwks: JwksFetcher | undefined,
): Promise<void> {
  let url: string | undefined;
  let jwks: JSONWebKeySet;
  if (header.jku !== undefined) {
    if (!isJkuAllowed(issuer, header.jku)) {
      throw new CdsJwtError(
        'jku_not_allowed',
        `jku ${JSON.stringify(header.jku)} is not allow-listed for ${issuer.iss}`,
      );
    }
    url = header.jku;
  } else if (issuer.jwks === undefined) {
    url = issuer.jwksUrl;
  }
  if (url === undefined) {
    if (issuer.jwks === undefined) {
      throw new CdsJwtError(
        'jwks_unavailable',
        `no JWKS is configured for ${issuer.iss} and the token has no jku`,
      );
    }
    jwks = issuer.jwks;
  } else {
    jwks = await loadJwks(fetchJwks, url, false);
  }

  let candidates = selectKeys(jwks, header);
  if (candidates.length === 0 && url !== undefined) {
    // JWT-4: the client may have rotated its keys; refresh once.
    candidates = selectKeys(await loadJwks(fetchJwks, url, true), header);
  }
  if (candidates.length === 0) {
    throw new CdsJwtError(
      'unknown_kid',
      `no ${header.alg} key with kid ${JSON.stringify(header.kid)} in the JWKS of ${issuer.iss}`,
    );
  }

  for (const jwk of candidates) {
    let key: Awaited<ReturnType<typeof importJWK>>;
    try {
      key = await importCached(jwk, header.alg);
    } catch {
      continue;
    }
    try {
      await compactVerify(token, key, { algorithms: [header.alg] });
      return;
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      throw new CdsJwtError('malformed', 'the JWS could not be verified', { cause: error });
    }
  }
  throw new CdsJwtError(
    'bad_signature',
    `the signature does not verify with kid ${JSON.stringify(header.kid)}`,
  );
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;
/**
 * Imported public keys per JWK object of the (cached) JWK Set, so each key is imported once,
 * not on every call.
 */
const importedKeys = new WeakMap<JWK, Map<string, Promise<ImportedKey>>>();

function importCached(jwk: JWK, alg: CdsJwtAlgorithm): Promise<ImportedKey> {
  let byAlg = importedKeys.get(jwk);
  if (byAlg === undefined) {
    byAlg = new Map();
    importedKeys.set(jwk, byAlg);
  }
  let key = byAlg.get(alg);
  if (key === undefined) {
    key = importJWK(publicPart(jwk), alg);
    byAlg.set(alg, key);
    key.catch(() => byAlg.delete(alg));
  }
  return key;
}

async function loadJwks(
  fetchJwks: JwksFetcher | undefined,
  url: string,
  forceRefresh: boolean,
): Promise<JSONWebKeySet> {
  if (fetchJwks === undefined) {
    throw new CdsJwtError('jwks_unavailable', `fetchJwks is not configured (needed for ${url})`);
  }
  let jwks: JSONWebKeySet;
  try {
    jwks = await fetchJwks(url, { forceRefresh });
  } catch (error) {
    if (error instanceof CdsJwtError) throw error;
    throw new CdsJwtError('jwks_unavailable', `JWKS ${url} could not be fetched`, { cause: error });
  }
  if (!isJwks(jwks)) throw new CdsJwtError('jwks_unavailable', `JWKS ${url} has no "keys" array`);
  return jwks;
}

const CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Public keys with the header's `kid` whose type, curve, `use` and `alg` fit the header's alg. */
function selectKeys(jwks: JSONWebKeySet, header: CheckedHeader): JWK[] {
  const curve = CURVES[header.alg];
  return jwks.keys
    .filter((jwk) => jwk.kid === header.kid)
    .filter((jwk) => jwk.use === undefined || jwk.use === 'sig')
    .filter((jwk) => jwk.alg === undefined || jwk.alg === header.alg)
    .filter((jwk) =>
      curve === undefined ? jwk.kty === 'RSA' : jwk.kty === 'EC' && jwk.crv === curve,
    );
}

/** Only the public members: a JWKS that leaks `d` must not turn into a private key here. */
function publicPart(jwk: JWK): JWK {
  return jwk.kty === 'RSA'
    ? { kty: jwk.kty, n: jwk.n, e: jwk.e }
    : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}
