import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import type { PrismaClient } from '@bedside/db';

import { PRISMA } from '../database/prisma.provider.js';
import { ApiError } from '../http/errors.js';

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string | undefined;
  location: string | undefined;
}

export type IdempotencyClaim = { kind: 'first' } | { kind: 'replay'; response: StoredResponse };

const keyPattern = /^[A-Za-z0-9_.:-]{8,128}$/;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Idempotency keys for writes: the first request with a key is performed, every later one gets
 * the first answer back. Keys belong to (registration, user, patient), not to a session, so a
 * draft saved again after a forced re-authorisation is still written exactly once.
 * See: IETF draft-ietf-httpapi-idempotency-key-header.
 */
@Injectable()
export class IdempotencyService {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  ownerKey(registrationId: string, fhirUser: string | null, patientId: string | null): string {
    return sha256(`${registrationId}\n${fhirUser ?? ''}\n${patientId ?? ''}`);
  }

  /**
   * @throws ApiError 400 for a malformed key, 422 when the key was used for another request,
   *   409 while the first request with this key is still in flight.
   */
  async claim(
    ownerKey: string,
    key: string,
    method: string,
    path: string,
    body: string,
  ): Promise<IdempotencyClaim> {
    if (!keyPattern.test(key)) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 8-128 characters of [A-Za-z0-9_.:-].',
      );
    }
    const requestHash = sha256(`${method}\n${path}\n${body}`);
    const inserted = await this.prisma.idempotentRequest.createMany({
      data: [{ ownerKey, key, requestHash }],
      skipDuplicates: true,
    });
    if (inserted.count === 1) return { kind: 'first' };
    const existing = await this.prisma.idempotentRequest.findUniqueOrThrow({
      where: { ownerKey_key: { ownerKey, key } },
    });
    if (existing.requestHash !== requestHash) {
      throw new ApiError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different request.',
      );
    }
    if (existing.status === null || existing.responseBody === null) {
      throw new ApiError(
        409,
        'request_in_progress',
        'The first request with this Idempotency-Key is still in progress; retry shortly.',
      );
    }
    return {
      kind: 'replay',
      response: {
        status: existing.status,
        body: existing.responseBody,
        contentType: existing.contentType ?? undefined,
        location: existing.location ?? undefined,
      },
    };
  }

  async complete(ownerKey: string, key: string, response: StoredResponse): Promise<void> {
    await this.prisma.idempotentRequest.update({
      where: { ownerKey_key: { ownerKey, key } },
      data: {
        status: response.status,
        responseBody: response.body,
        contentType: response.contentType ?? null,
        location: response.location ?? null,
      },
    });
  }

  /** A failed attempt (network, 5xx) frees the key so the client may retry. */
  async release(ownerKey: string, key: string): Promise<void> {
    await this.prisma.idempotentRequest.deleteMany({ where: { ownerKey, key, status: null } });
  }
}
