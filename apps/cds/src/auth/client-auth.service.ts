import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';

import {
  CdsJwtError,
  cdsTrustedIssuerSchema,
  createCachedJwksFetcher,
  readBearerToken,
  verifyCdsClientJwt,
  type CdsTrustedIssuer,
  type JwksFetcher,
  type ReplayCache,
  type VerifiedCdsClient,
} from '@bedside/cds-hooks';
import type { PrismaClient } from '@bedside/db';

import { PG_POOL, PRISMA } from '../database/database.providers.js';
import { unauthorized } from '../http/errors.js';

const clientsTtlMs = 30_000;
const unknownIssuerReloadMs = 1_000;

/**
 * JWT-6: the `jti` store is PostgreSQL, shared by every replica. An INSERT that hits the primary
 * key means the token was used before; expired rows are swept now and then.
 */
export class PostgresReplayCache implements ReplayCache {
  private inserts = 0;

  constructor(private readonly pool: pg.Pool) {}

  async seen(jti: string, expiresAt: number, issuer: string): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO bedside.cds_jwt_replay (issuer, jti, "expiresAt") VALUES ($1, $2, to_timestamp($3))
       ON CONFLICT (issuer, jti) DO UPDATE SET "expiresAt" = EXCLUDED."expiresAt"
       WHERE bedside.cds_jwt_replay."expiresAt" < now()`,
      [issuer, jti, expiresAt],
    );
    this.inserts += 1;
    if (this.inserts % 1000 === 0) {
      void this.pool
        .query(`DELETE FROM bedside.cds_jwt_replay WHERE "expiresAt" < now()`)
        .catch(() => undefined);
    }
    // rowCount 0: the row existed and has not expired.
    return result.rowCount === 0;
  }
}

/**
 * Verifies the CDS Client JWT of every call (CDS Hooks 2.0 §Trusting CDS Clients) against the
 * clients registered in bedside.cds_client. Any failure is a 401 whose reason is only logged.
 */
@Injectable()
export class ClientAuthService {
  private clients: Promise<readonly CdsTrustedIssuer[]> | undefined;
  private loadedAt = 0;
  private readonly replayCache: ReplayCache;
  private readonly fetchJwks: JwksFetcher;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) pool: pg.Pool,
  ) {
    this.replayCache = new PostgresReplayCache(pool);
    this.fetchJwks = createCachedJwksFetcher({
      fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(3000) }),
    });
  }

  /**
   * @param audience the exact public URL called (computed from configuration, JWT-5).
   * @throws CdsHttpError 401 without detail.
   */
  async verify(authorization: string | undefined, audience: string): Promise<VerifiedCdsClient> {
    try {
      const token = readBearerToken(authorization);
      let trustedIssuers = await this.trustedIssuers(false);
      const iss = issuerOf(token);
      if (iss !== undefined && !trustedIssuers.some((client) => client.iss === iss)) {
        // A client registered a moment ago: reload once (rate-limited).
        if (Date.now() - this.loadedAt > unknownIssuerReloadMs) {
          trustedIssuers = await this.trustedIssuers(true);
        }
      }
      return await verifyCdsClientJwt(token, {
        audience,
        trustedIssuers,
        fetchJwks: this.fetchJwks,
        replayCache: this.replayCache,
      });
    } catch (error) {
      if (error instanceof CdsJwtError) throw unauthorized(`${error.code}: ${error.message}`);
      throw error;
    }
  }

  private trustedIssuers(refresh: boolean): Promise<readonly CdsTrustedIssuer[]> {
    if (refresh || this.clients === undefined || Date.now() - this.loadedAt > clientsTtlMs) {
      this.loadedAt = Date.now();
      this.clients = this.prisma.cdsClient.findMany().then((rows) =>
        rows.flatMap((row) => {
          const parsed = cdsTrustedIssuerSchema.safeParse({
            iss: row.issuer,
            ...(row.jwks === null ? {} : { jwks: row.jwks }),
            ...(row.jwksUrl === null ? {} : { jwksUrl: row.jwksUrl }),
            ...(row.allowedJku.length === 0 ? {} : { allowedJku: row.allowedJku }),
            ...(row.allowedJkuPrefixes.length === 0
              ? {}
              : { allowedJkuPrefixes: row.allowedJkuPrefixes }),
            ...(row.tenants.length === 0 ? {} : { tenants: row.tenants }),
          });
          // A registration that breaks the rules (an http key URL off loopback) is never trusted.
          return parsed.success ? [parsed.data as CdsTrustedIssuer] : [];
        }),
      );
      this.clients.catch(() => {
        this.clients = undefined;
      });
    }
    return this.clients;
  }
}

function issuerOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as {
      iss?: unknown;
    };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
