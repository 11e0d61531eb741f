import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';

import { PG_POOL } from '../database/pg-pool.provider.js';

export interface AuditRecord {
  actor: string;
  action: string;
  outcome: 'success' | 'failure';
  requestId: string;
  patientId?: string | undefined;
  registrationId?: string | undefined;
  detail?: Record<string, unknown>;
}

interface Pending {
  record: AuditRecord;
  occurredAt: Date;
  attempts: number;
  settle: { resolve: () => void; reject: (error: unknown) => void };
}

const maxBatch = 500;
const flushDelayMs = 10;
const retryDelayMs = 1000;
const maxAttempts = 3;

/**
 * Writes the append-only audit log (the table refuses UPDATE and DELETE). Rows are written in
 * batches, one multi-row INSERT every few milliseconds, so auditing every FHIR call costs the
 * proxy almost nothing. A failed batch stays queued and is retried; shutdown flushes the queue.
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly logger = new Logger('AuditService');
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Queues the row and resolves once it is committed. */
  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, occurredAt: new Date(), attempts: 0, settle: { resolve, reject } });
      this.schedule(this.queue.length >= maxBatch ? 0 : flushDelayMs);
    });
  }

  /** For paths that answer without waiting; a write that keeps failing is logged loudly. */
  recordInBackground(record: AuditRecord): void {
    this.record(record).catch((error: unknown) => {
      this.logger.error(`Audit write failed for ${record.action}: ${String(error)}`);
    });
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (this.flushing) {
        await this.flushing.catch(() => undefined);
        continue;
      }
      this.flushing = this.writeBatch().finally(() => {
        this.flushing = undefined;
      });
      await this.flushing.catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    await this.pool.end();
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.writeBatch().finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0) this.schedule(0);
      });
      this.flushing.catch(() => undefined);
    }, delayMs);
  }

  private singleRowMode = 0;

  private async writeBatch(): Promise<void> {
    const size = this.singleRowMode > 0 ? 1 : maxBatch;
    if (this.singleRowMode > 0) this.singleRowMode -= 1;
    const batch = this.queue.splice(0, size);
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const rows = batch.map(({ record, occurredAt }, index) => {
      values.push(
        occurredAt,
        record.actor,
        record.action,
        record.outcome,
        record.requestId,
        record.patientId ?? null,
        record.registrationId ?? null,
        record.detail === undefined ? null : JSON.stringify(record.detail),
      );
      const base = index * 8;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::bedside."AuditOutcome", $${base + 5}, $${base + 6}, $${base + 7}::uuid, $${base + 8}::jsonb)`;
    });
    try {
      await this.pool.query(
        `INSERT INTO bedside.audit_event ("occurredAt", actor, action, outcome, "requestId", "patientId", "registrationId", detail) VALUES ${rows.join(', ')}`,
        values,
      );
      for (const pending of batch) pending.settle.resolve();
    } catch (error) {
      // A failed batch goes back to the front of the queue and is retried. A row that keeps
      // failing on its own is written to the log in full and its caller gets the error.
      const retry: Pending[] = [];
      for (const pending of batch) {
        pending.attempts += 1;
        if (pending.attempts < maxAttempts || batch.length > 1) retry.push(pending);
        else {
          this.logger.error(`Audit row could not be stored: ${JSON.stringify(pending.record)}`);
          pending.settle.reject(error);
        }
      }
      this.logger.error(`Audit batch of ${batch.length} failed, retrying: ${String(error)}`);
      // After repeated failures retry row by row, so one bad row cannot block the others.
      this.queue.unshift(...retry);
      if (retry.some((pending) => pending.attempts >= maxAttempts))
        this.singleRowMode = retry.length;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      throw error;
    }
  }
}
