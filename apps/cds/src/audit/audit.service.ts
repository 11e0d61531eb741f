import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';

import { PG_POOL } from '../database/database.providers.js';

export interface CdsAuditRecord {
  /** The CDS Client's `iss`, or `anonymous` when the JWT did not verify. */
  actor: string;
  /** `cds.discovery`, `cds.hook` or `cds.feedback`. */
  action: string;
  outcome: 'success' | 'failure';
  requestId: string;
  patientId?: string | undefined;
  detail: Record<string, unknown>;
}

const maxBatch = 500;
const flushDelayMs = 5;

/**
 * Writes every CDS call and every feedback item to the platform's append-only audit log
 * (bedside.audit_event), batched: one multi-row INSERT every few milliseconds, so auditing costs
 * a hook call almost nothing (CRD found-37: keep logs of all hook calls). Shutdown flushes.
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly logger = new Logger('AuditService');
  private queue: { record: CdsAuditRecord; occurredAt: Date }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  /** Queues the row; it is written within a few milliseconds. */
  record(record: CdsAuditRecord): void {
    this.queue.push({ record, occurredAt: new Date() });
    this.schedule(this.queue.length >= maxBatch ? 0 : flushDelayMs);
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0 || this.flushing) {
      if (this.flushing) {
        await this.flushing;
        continue;
      }
      this.flushing = this.writeBatch().finally(() => {
        this.flushing = undefined;
      });
      await this.flushing;
    }
  }

  async onApplicationShutdown(): Promise<void> {
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
    }, delayMs);
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue.splice(0, maxBatch);
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
        JSON.stringify(record.detail),
      );
      const base = index * 7;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::bedside."AuditOutcome", $${base + 5}, $${base + 6}, $${base + 7}::jsonb)`;
    });
    try {
      await this.pool.query(
        `INSERT INTO bedside.audit_event ("occurredAt", actor, action, outcome, "requestId", "patientId", detail) VALUES ${rows.join(', ')}`,
        values,
      );
    } catch (error) {
      // The log keeps the rows that could not be stored, so nothing is lost silently.
      for (const { record } of batch) {
        this.logger.error(`Audit row could not be stored: ${JSON.stringify(record)}`);
      }
      this.logger.error(`Audit batch of ${batch.length} failed: ${String(error)}`);
    }
  }
}
