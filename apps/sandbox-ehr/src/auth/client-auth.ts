import {
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

import type { PrismaClient, SandboxClient } from '@bedside/db';

import type { Faults } from './faults.js';
import { InvalidClientError, InvalidRequestError } from './oauth-errors.js';
import type { VendorProfile } from './profiles.js';
import { clientSecretMatches } from './secrets.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type ClientAuthMethod =
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt';

export interface AuthenticateOptions {
  profileFor: (client: SandboxClient) => VendorProfile;
  faults: Faults;
  /** The client row when the caller already read it (saves a query per token request). */
  knownClient?: SandboxClient;
}

export interface AuthenticatedClient {
  client: SandboxClient;
  method: ClientAuthMethod;
}

/** RFC 7523 §3 / SMART App Launch 2.2 §client-confidential-asymmetric: at most 5 minutes ahead. */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 5;

type FetchJwks = (url: string) => Promise<Response>;

/**
 * Client authentication at the token, introspection and revocation endpoints (TOKEN-02,
 * CAUTH-06/07). Every failure is `invalid_client` (401, with a Basic challenge when Basic was
 * tried); a request that mixes methods is `invalid_request` (RFC 6749 §2.3).
 */
export class ClientAuthenticator {
  private readonly keyCache = new Map<string, CryptoKey>();
  private readonly jwksCache = new Map<string, { keys: JWK[]; until: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly tokenUrl: string,
    private readonly now: () => number = Date.now,
    private readonly fetchJwks: FetchJwks = (url) =>
      fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) }),
  ) {}

  /** The client the request names, without authenticating it (fault lookup, rate limits). */
  static claimedClientId(
    form: Record<string, string | undefined>,
    authorization: string | undefined,
  ): string | undefined {
    const basic = parseBasic(authorization);
    if (basic) return basic.clientId;
    if (form['client_id']) return form['client_id'];
    const assertion = form['client_assertion'];
    if (!assertion) return undefined;
    try {
      const iss = decodeJwt(assertion).iss;
      return typeof iss === 'string' ? iss : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * @throws InvalidClientError when authentication fails, InvalidRequestError when methods mix.
   */
  async authenticate(
    form: Record<string, string | undefined>,
    authorization: string | undefined,
    options: AuthenticateOptions,
  ): Promise<AuthenticatedClient> {
    const basic = parseBasic(authorization);
    if (authorization?.startsWith('Basic ') && !basic) {
      throw new InvalidClientError('The Basic credentials are malformed.', true);
    }
    const assertion = form['client_assertion'];
    const assertionType = form['client_assertion_type'];
    const methods = [basic, form['client_secret'], assertion ?? assertionType].filter(Boolean);
    if (methods.length > 1) {
      throw new InvalidRequestError(
        'Use exactly one client authentication method (RFC 6749 §2.3).',
      );
    }
    if (assertion !== undefined || assertionType !== undefined) {
      return this.authenticateAssertion(form, options);
    }
    const clientId = basic?.clientId ?? form['client_id'];
    if (!clientId) throw new InvalidClientError('Client authentication is missing.', false);
    if (basic && form['client_id'] && form['client_id'] !== basic.clientId) {
      throw new InvalidClientError(
        'client_id in the body differs from the Basic credentials.',
        true,
      );
    }
    const client =
      options.knownClient?.clientId === clientId
        ? options.knownClient
        : await findClient(this.prisma, clientId);
    if (!client) throw new InvalidClientError(`Unknown client "${clientId}".`, Boolean(basic));
    switch (client.clientType) {
      case 'public':
        if (basic || form['client_secret']) {
          throw new InvalidClientError(
            'Public clients do not authenticate with a secret.',
            Boolean(basic),
          );
        }
        return { client, method: 'none' };
      case 'confidential-symmetric': {
        const secret = basic?.clientSecret ?? form['client_secret'];
        if (options.faults.simulatedError === 'auth_invalid_client_secret') {
          throw new InvalidClientError('Invalid client secret (simulated error).', Boolean(basic));
        }
        if (!secret || !client.secretHash || !clientSecretMatches(secret, client.secretHash)) {
          throw new InvalidClientError('Client authentication failed.', Boolean(basic));
        }
        return { client, method: basic ? 'client_secret_basic' : 'client_secret_post' };
      }
      default:
        // CAUTH-06: asymmetric clients authenticate only with a signed assertion.
        throw new InvalidClientError(
          `Client "${clientId}" must authenticate with private_key_jwt.`,
          Boolean(basic),
        );
    }
  }

  private async authenticateAssertion(
    form: Record<string, string | undefined>,
    options: AuthenticateOptions,
  ): Promise<AuthenticatedClient> {
    if (form['client_assertion_type'] !== JWT_BEARER_ASSERTION) {
      throw new InvalidClientError(`client_assertion_type must be ${JWT_BEARER_ASSERTION}.`);
    }
    const assertion = form['client_assertion'];
    if (!assertion) throw new InvalidClientError('client_assertion is missing.');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw new InvalidClientError('client_assertion is not a JWT.');
    }
    const clientId = claims.iss;
    if (typeof clientId !== 'string' || !clientId) {
      throw new InvalidClientError('The assertion has no iss.');
    }
    // RFC 7523 §3: iss and sub are both the client_id.
    if (claims.sub !== clientId)
      throw new InvalidClientError('The assertion sub must equal its iss.');
    if (form['client_id'] && form['client_id'] !== clientId) {
      throw new InvalidClientError('client_id differs from the assertion issuer.');
    }
    const client =
      options.knownClient?.clientId === clientId
        ? options.knownClient
        : await findClient(this.prisma, clientId);
    if (!client) throw new InvalidClientError(`Unknown client "${clientId}".`);
    if (
      client.clientType !== 'confidential-asymmetric' &&
      client.clientType !== 'backend-service'
    ) {
      throw new InvalidClientError(`Client "${clientId}" has no registered keys.`);
    }
    const profile = options.profileFor(client);
    const alg = header.alg ?? '';
    // CAUTH-07: alg none / HS256 and anything outside the profile's list are refused.
    if (!profile.assertionAlgs.includes(alg)) {
      throw new InvalidClientError(
        `Assertion alg "${alg}" is not accepted; use one of ${profile.assertionAlgs.join(', ')}.`,
      );
    }
    if (header.typ !== 'JWT')
      throw new InvalidClientError('The assertion header typ must be "JWT".');
    if (!header.kid) throw new InvalidClientError('The assertion header has no kid.');
    if (typeof claims.jti !== 'string' || !claims.jti) {
      throw new InvalidClientError('The assertion has no jti.');
    }
    if (options.faults.simulatedError === 'token_expired_registration_token') {
      throw new InvalidClientError('The client registration expired (simulated error).');
    }

    const key = await this.selectKey(client, header.kid, alg, header.jku);
    try {
      await jwtVerify(assertion, key, {
        algorithms: [alg],
        issuer: clientId,
        subject: clientId,
        // CAUTH-06: aud is the token endpoint URL.
        audience: this.tokenUrl,
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(this.now()),
        clockTolerance: CLOCK_SKEW_SECONDS,
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new InvalidClientError('The assertion expired.');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        throw new InvalidClientError(
          `The assertion claim "${(error as { claim?: string }).claim ?? '?'}" is invalid.`,
        );
      }
      throw new InvalidClientError('The assertion signature is invalid.');
    }
    const nowSeconds = Math.floor(this.now() / 1000);
    const exp = claims.exp ?? 0;
    // SMART App Launch 2.2 §authenticating: exp no more than five minutes in the future.
    if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
      throw new InvalidClientError('The assertion exp is more than 5 minutes in the future.');
    }
    if (options.faults.simulatedError === 'token_invalid_jti') {
      throw new InvalidClientError('The assertion jti was already used (simulated error).');
    }
    // CAUTH-06: a jti is accepted once per issuer while the assertion could still be valid.
    // Raw SQL on this hot path: a third of the CPU of the equivalent model query.
    const stored = await this.prisma.$executeRaw`
      INSERT INTO "sandbox"."assertion_jti" ("issuer", "jti", "expiresAt")
      VALUES (${clientId}, ${claims.jti}, ${new Date((exp + CLOCK_SKEW_SECONDS) * 1000)})
      ON CONFLICT DO NOTHING`;
    if (stored === 0) throw new InvalidClientError('The assertion jti was already used.');
    return { client, method: 'private_key_jwt' };
  }

  /**
   * CAUTH-06: `jku`, when present, must be the client's registered JWKS URL; the key is the single
   * one whose `kid` matches and whose `kty` fits the algorithm.
   */
  private async selectKey(
    client: SandboxClient,
    kid: string,
    alg: string,
    jku: string | undefined,
  ): Promise<CryptoKey> {
    if (jku !== undefined && jku !== client.jwksUrl) {
      throw new InvalidClientError("The assertion jku is not the client's registered JWKS URL.");
    }
    const keys =
      jku !== undefined || (!client.jwks && client.jwksUrl)
        ? await this.remoteKeys(client.jwksUrl ?? '')
        : (((client.jwks as { keys?: JWK[] } | null)?.keys ?? []) as JWK[]);
    const kty = alg.startsWith('ES') ? 'EC' : 'RSA';
    const matches = keys.filter((key) => key.kid === kid && key.kty === kty);
    if (matches.length !== 1) {
      throw new InvalidClientError(
        matches.length === 0
          ? `No registered ${kty} key has kid "${kid}".`
          : `Several registered keys have kid "${kid}".`,
      );
    }
    const jwk = matches[0] as JWK;
    const cacheKey = `${alg}:${JSON.stringify(jwk)}`;
    let key = this.keyCache.get(cacheKey);
    if (!key) {
      try {
        key = (await importJWK(jwk, alg)) as CryptoKey;
      } catch {
        throw new InvalidClientError(`The registered key "${kid}" cannot verify ${alg}.`);
      }
      if (this.keyCache.size > 1000) this.keyCache.clear();
      this.keyCache.set(cacheKey, key);
    }
    return key;
  }

  /** Fetches a JWKS URL, caching it no longer than its Cache-Control max-age (CAUTH-06). */
  private async remoteKeys(url: string): Promise<JWK[]> {
    const cached = this.jwksCache.get(url);
    if (cached && cached.until > this.now()) return cached.keys;
    let body: { keys?: JWK[] };
    let maxAge = 0;
    try {
      const response = await this.fetchJwks(url);
      if (!response.ok) throw new Error(String(response.status));
      body = (await response.json()) as { keys?: JWK[] };
      maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1] ?? 0);
    } catch {
      throw new InvalidClientError("The client's JWKS URL could not be read.");
    }
    const keys = Array.isArray(body.keys) ? body.keys : [];
    if (maxAge > 0) this.jwksCache.set(url, { keys, until: this.now() + maxAge * 1000 });
    return keys;
  }
}

/**
 * The client row by id, read with raw SQL: the token endpoint does this on every request, and a
 * Prisma model query costs about three times the CPU.
 */
export async function findClient(
  prisma: PrismaClient,
  clientId: string,
): Promise<SandboxClient | null> {
  const rows = await prisma.$queryRaw<SandboxClient[]>`
    SELECT * FROM "sandbox"."client" WHERE "clientId" = ${clientId}`;
  return rows[0] ?? null;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64. */
export function parseBasic(
  authorization: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}
