import { decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';

import type { PrismaClient } from '@bedside/db';
import type pg from 'pg';

import type { SandboxConfig } from '../config.js';
import { randomToken } from './secrets.js';
import type { SigningKeyStore } from './signing-keys.js';

export interface AccessTokenClaims extends JWTPayload {
  client_id: string;
  scope: string;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  /** The refresh-token family (grant) this token came from; revoking the grant revokes it. */
  fid?: string;
  /** Fault injection: the FHIR API refuses this token as invalid or expired. */
  sim_error?: 'request_invalid_token' | 'request_expired_token';
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/** Why a presented access token was refused (RFC 6750 §3.1 `invalid_token`). */
export class InvalidAccessTokenError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'InvalidAccessTokenError';
  }
}

/**
 * Access tokens are RS256 JWTs whose `aud` is the FHIR base, so the FHIR API can check them
 * without a database read (RS-03: the token's audience must be this endpoint).
 */
export class TokenService {
  constructor(
    private readonly config: SandboxConfig,
    private readonly keys: SigningKeyStore,
    private readonly now: () => number = Date.now,
    private readonly prisma?: PrismaClient,
    /** Plain `pg` for the per-request revocation check (Prisma's query compiler costs ~1 ms). */
    private readonly pool?: pg.Pool,
  ) {}

  /** @param ttlSeconds lifetime override (vendor profile, fault injection); default from config. */
  async issueAccessToken(
    claims: Omit<AccessTokenClaims, 'iss' | 'aud' | 'exp' | 'iat' | 'jti'>,
    ttlSeconds?: number,
  ): Promise<IssuedAccessToken> {
    const key = await this.keys.current();
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresIn = ttlSeconds ?? this.config.accessTokenTtlSeconds;
    const accessToken = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.config.fhirBaseUrl)
      .setAudience(this.config.fhirBaseUrl)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + expiresIn)
      .setJti(randomToken(16))
      .sign(key.privateKey);
    return { accessToken, expiresIn };
  }

  /**
   * OIDC-01..03: RS256 id_token with iss = the issuer in openid-configuration, aud = client_id,
   * `fhirUser` when granted, `nonce` echoed.
   */
  async issueIdToken(params: {
    clientId: string;
    subject: string;
    fhirUser?: string;
    nonce?: string;
  }): Promise<string> {
    const key = await this.keys.current();
    const issuedAt = Math.floor(this.now() / 1000);
    return new SignJWT({
      ...(params.fhirUser ? { fhirUser: params.fhirUser, profile: params.fhirUser } : {}),
      ...(params.nonce ? { nonce: params.nonce } : {}),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(this.config.fhirBaseUrl)
      .setSubject(params.subject)
      .setAudience(params.clientId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(key.privateKey);
  }

  /**
   * Verifies signature, issuer, audience and expiry, then refuses revoked tokens (INTRO-05) and
   * tokens carrying a simulated FHIR-API error (fault injection).
   * @throws InvalidAccessTokenError for a bad, expired or revoked token.
   */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const payload = await this.verifyAccessTokenSignature(token);
    if (payload.sim_error === 'request_invalid_token') {
      throw new InvalidAccessTokenError('Invalid token (simulated error).');
    }
    if (payload.sim_error === 'request_expired_token') {
      throw new InvalidAccessTokenError('Token expired (simulated error).');
    }
    if (await this.isRevoked(payload)) {
      throw new InvalidAccessTokenError('The access token was revoked.');
    }
    return payload;
  }

  /** RFC 7009: a token is revoked by its own `jti` or through its grant's family id. */
  async isRevoked(claims: { jti?: string; fid?: string }): Promise<boolean> {
    const ids = [claims.jti, claims.fid].filter((id): id is string => Boolean(id));
    if (ids.length === 0) return false;
    if (this.pool) {
      const found = await this.pool.query(
        'SELECT 1 FROM sandbox.revocation WHERE id = ANY($1) LIMIT 1',
        [ids],
      );
      return (found.rowCount ?? 0) > 0;
    }
    if (!this.prisma) return false;
    const found = await this.prisma.sandboxRevocation.findFirst({
      where: { id: { in: ids } },
      select: { id: true },
    });
    return found !== null;
  }

  /** @throws InvalidAccessTokenError for a bad signature, wrong audience, or expiry. */
  async verifyAccessTokenSignature(token: string): Promise<AccessTokenClaims> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new InvalidAccessTokenError('The access token is not a JWT issued by this server.');
    }
    const key = kid ? await this.keys.find(kid) : undefined;
    if (!key) throw new InvalidAccessTokenError('The access token was not signed by this server.');
    try {
      const { payload } = await jwtVerify<AccessTokenClaims>(token, key.publicJwk, {
        algorithms: ['RS256'],
        issuer: this.config.fhirBaseUrl,
        audience: this.config.fhirBaseUrl,
        currentDate: new Date(this.now()),
        typ: 'at+jwt',
      });
      return payload;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED')
        throw new InvalidAccessTokenError('The access token expired.');
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        throw new InvalidAccessTokenError(
          `The access token is not valid for this server (${(error as { claim?: string }).claim ?? 'claim'}).`,
        );
      }
      throw new InvalidAccessTokenError('The access token signature is invalid.');
    }
  }
}
