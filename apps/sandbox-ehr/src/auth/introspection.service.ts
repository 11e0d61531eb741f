import { decodeJwt } from 'jose';

import type { PrismaClient } from '@bedside/db';

import type { ClientAuthenticator } from './client-auth.js';
import { InvalidClientError, InvalidRequestError } from './oauth-errors.js';
import { vendorProfile } from './profiles.js';
import { sha256 } from './secrets.js';
import { InvalidAccessTokenError, type TokenService } from './tokens.js';
import type { TokenEndpointService } from './token-endpoint.service.js';

/**
 * Token introspection (RFC 7662 + SMART App Launch 2.2 §token-introspection) and revocation
 * (RFC 7009). Introspection callers authenticate as a client or with any active Bearer token of
 * this server (INTRO-04); revocation callers authenticate as the client the token belongs to.
 */
export class IntrospectionService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly tokens: TokenService,
    private readonly authenticator: ClientAuthenticator,
    private readonly tokenEndpoint: TokenEndpointService,
    private readonly now: () => number = Date.now,
  ) {}

  /** @throws InvalidClientError (401) when the caller is not authorized. */
  async authorizeIntrospection(
    form: Record<string, string | undefined>,
    authorization: string | undefined,
  ): Promise<void> {
    if (authorization?.startsWith('Bearer ')) {
      try {
        await this.tokens.verifyAccessToken(authorization.slice(7).trim());
        return;
      } catch (error) {
        if (!(error instanceof InvalidAccessTokenError)) throw error;
        throw new InvalidClientError(`The Bearer token is not active: ${error.reason}`);
      }
    }
    const { token: _token, token_type_hint: _hint, ...credentials } = form;
    await this.authenticator.authenticate(credentials, authorization, {
      profileFor: (client) => vendorProfile(client.profile),
      faults: {},
    });
  }

  /**
   * INTRO-02/03: active tokens with their scope, client, expiry and launch context; anything
   * else is exactly `{ "active": false }`.
   */
  async introspect(token: string | undefined): Promise<Record<string, unknown>> {
    if (!token) throw new InvalidRequestError('token is required.');
    if (token.split('.').length === 3) {
      try {
        const claims = await this.tokens.verifyAccessToken(token);
        return {
          active: true,
          token_type: 'Bearer',
          scope: claims.scope,
          client_id: claims.client_id,
          sub: claims.sub,
          iss: claims.iss,
          aud: claims.aud,
          exp: claims.exp,
          iat: claims.iat,
          ...(claims.patient ? { patient: claims.patient } : {}),
          ...(claims.encounter ? { encounter: claims.encounter } : {}),
          ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}),
        };
      } catch (error) {
        if (!(error instanceof InvalidAccessTokenError)) throw error;
        return { active: false };
      }
    }
    const refresh = await this.prisma.sandboxRefreshToken.findUnique({
      where: { tokenHash: sha256(token) },
    });
    if (
      !refresh ||
      refresh.consumedAt ||
      refresh.revokedAt ||
      refresh.expiresAt.getTime() <= this.now()
    ) {
      return { active: false };
    }
    return {
      active: true,
      token_type: 'refresh_token',
      scope: refresh.scope,
      client_id: refresh.clientId,
      exp: Math.floor(refresh.expiresAt.getTime() / 1000),
      ...(refresh.userId ? { sub: refresh.userId } : {}),
      ...(refresh.patientId ? { patient: refresh.patientId } : {}),
      ...(refresh.encounterId ? { encounter: refresh.encounterId } : {}),
      ...(refresh.fhirUser ? { fhirUser: refresh.fhirUser } : {}),
    };
  }

  /**
   * RFC 7009 §2: revokes an access token (by `jti`) or a refresh token (its whole grant). Unknown
   * tokens and tokens of other clients are ignored: the answer is 200 either way.
   * @throws InvalidClientError when the caller does not authenticate.
   */
  async revoke(
    form: Record<string, string | undefined>,
    authorization: string | undefined,
  ): Promise<void> {
    const { token, token_type_hint: _hint, ...credentials } = form;
    const { client } = await this.authenticator.authenticate(credentials, authorization, {
      profileFor: (candidate) => vendorProfile(candidate.profile),
      faults: {},
    });
    if (!token) throw new InvalidRequestError('token is required.');
    if (token.split('.').length === 3) {
      let claims: { jti?: string; exp?: number; client_id?: unknown };
      try {
        await this.tokens.verifyAccessTokenSignature(token);
        claims = decodeJwt(token);
      } catch {
        return;
      }
      if (claims.client_id !== client.clientId || !claims.jti) return;
      await this.prisma.sandboxRevocation.createMany({
        data: [{ id: claims.jti, expiresAt: new Date((claims.exp ?? 0) * 1000) }],
        skipDuplicates: true,
      });
      return;
    }
    const refresh = await this.prisma.sandboxRefreshToken.findUnique({
      where: { tokenHash: sha256(token) },
    });
    if (refresh?.clientId !== client.clientId) return;
    await this.tokenEndpoint.revokeFamily(refresh.familyId);
  }
}
