import { Inject, Injectable, Logger } from '@nestjs/common';

import type { PrismaClient } from '@bedside/db';

import { PRISMA } from '../database/prisma.provider.js';

export interface AuditRecord {
  actor: string;
  action: string;
  outcome: 'success' | 'failure';
  requestId: string;
  patientId?: string | undefined;
  registrationId?: string | undefined;
  detail?: Record<string, unknown>;
}

/** Writes the append-only audit log (the table refuses UPDATE and DELETE). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('AuditService');

  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async record(event: AuditRecord): Promise<void> {
    await this.prisma.auditEvent.create({
      data: {
        actor: event.actor,
        action: event.action,
        outcome: event.outcome,
        requestId: event.requestId,
        patientId: event.patientId ?? null,
        registrationId: event.registrationId ?? null,
        ...(event.detail ? { detail: event.detail as object } : {}),
      },
    });
  }

  /** For paths that must answer even if the audit write fails; the failure is logged loudly. */
  recordInBackground(event: AuditRecord): void {
    this.record(event).catch((error: unknown) => {
      this.logger.error(`Audit write failed for ${event.action}: ${String(error)}`);
    });
  }
}
