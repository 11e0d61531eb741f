import { createHash, randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { EhrRegistration, PrismaClient, Session } from '@bedside/db';
import type { TokenSet } from '@bedside/smart-auth';
import type pg from 'pg';

import { BFF_CONFIG, type BffConfig } from '../config.js';
import { PG_POOL } from '../database/pg-pool.provider.js';
import { PRISMA } from '../database/prisma.provider.js';
import { SecretBox } from '../security/secret-box.js';
import { tokenSetAad } from './session-token-store.js';
import {
  isSessionHandle,
  newSessionHandle,
  readCookie,
  sessionCookieName,
} from './session-cookie.js';

export interface NewSession {
  registration: EhrRegistration;
  tokens: TokenSet;
  grantedScope: string;
  patientId?: string | undefined;
  encounterId?: string | undefined;
  fhirUser?: string | undefined;
  needPatientBanner: boolean;
}

export interface ActiveSession {
  session: Session;
  registration: EhrRegistration;
}

/** The header the web app sends to say which launch (tab) a request belongs to. */
export const sessionHandleHeader = 'x-bedside-session';

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/**
 * Server-side sessions in PostgreSQL: any BFF replica can serve any request. The browser holds a
 * random 256-bit secret in an HttpOnly cookie; only its SHA-256 is stored, with the token set
 * sealed by AES-256-GCM and bound to that row.
 */
@Injectable()
export class SessionService {
  private readonly box: SecretBox;

  constructor(
    @Inject(BFF_CONFIG) private readonly config: BffConfig,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {
    this.box = new SecretBox(config.tokenEncryptionKey);
  }

  async create(input: NewSession): Promise<{ handle: string; secret: string; session: Session }> {
    const handle = newSessionHandle();
    const secret = randomBytes(32).toString('base64url');
    const idHash = hashSecret(secret);
    const session = await this.prisma.session.create({
      data: {
        idHash,
        registrationId: input.registration.id,
        patientId: input.patientId ?? null,
        encounterId: input.encounterId ?? null,
        fhirUser: input.fhirUser ?? null,
        grantedScope: input.grantedScope,
        needPatientBanner: input.needPatientBanner,
        tokenSetCiphertext: this.box.seal(JSON.stringify(input.tokens), tokenSetAad(idHash)),
        accessTokenExpiresAt: new Date(input.tokens.expiresAt ?? Date.now()),
        expiresAt: new Date(Date.now() + this.config.sessionTtlSeconds * 1000),
      },
    });
    return { handle, secret, session };
  }

  /** The session this request belongs to, or undefined when there is none or it expired. */
  async fromRequest(request: FastifyRequest): Promise<ActiveSession | undefined> {
    return this.fromHandle(request.headers[sessionHandleHeader], request.headers.cookie);
  }

  /** The session named by `handle` whose secret is in the cookie header (for navigations). */
  async fromHandle(
    handle: unknown,
    cookieHeader: string | undefined,
  ): Promise<ActiveSession | undefined> {
    if (!isSessionHandle(handle)) return undefined;
    const secret = readCookie(cookieHeader, sessionCookieName(handle));
    if (!secret) return undefined;
    return this.lookup(hashSecret(secret));
  }

  /**
   * The hot path of every API call: one indexed join over a plain pg connection (Prisma's query
   * compiler costs several milliseconds here). Columns map 1:1 to the Prisma models.
   */
  private async lookup(idHash: string): Promise<ActiveSession | undefined> {
    const result = await this.pool.query<{ session: Session; registration: EhrRegistration }>(
      `SELECT to_jsonb(s) AS session, to_jsonb(r) AS registration
         FROM bedside.session s JOIN bedside.ehr_registration r ON r.id = s."registrationId"
        WHERE s."idHash" = $1 AND s."expiresAt" > now()`,
      [idHash],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      session: reviveSession(row.session),
      registration: reviveRegistration(row.registration),
    };
  }
}

/** JSON (to_jsonb) back to the Prisma model shapes: timestamps as Dates, bytea as bytes. */
function reviveSession(raw: Session): Session {
  const json = raw as unknown as Record<string, unknown>;
  return {
    ...raw,
    tokenSetCiphertext: hexBytes(json['tokenSetCiphertext'] as string),
    accessTokenExpiresAt: new Date(json['accessTokenExpiresAt'] as string),
    expiresAt: new Date(json['expiresAt'] as string),
    createdAt: new Date(json['createdAt'] as string),
    updatedAt: new Date(json['updatedAt'] as string),
  };
}

function reviveRegistration(raw: EhrRegistration): EhrRegistration {
  const json = raw as unknown as Record<string, unknown>;
  const secret = json['clientSecretCiphertext'] as string | null;
  return {
    ...raw,
    clientSecretCiphertext: secret === null ? null : hexBytes(secret),
    createdAt: new Date(json['createdAt'] as string),
    updatedAt: new Date(json['updatedAt'] as string),
  };
}

/** to_jsonb renders bytea as `\x<hex>`. */
function hexBytes(value: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(value.startsWith('\\x') ? value.slice(2) : value, 'hex'));
}
