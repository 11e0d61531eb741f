import { Controller, Get, Inject } from '@nestjs/common';

import type { PrismaClient } from '@bedside/db';

import { PRISMA } from '../database/database.providers.js';
import { CdsHttpError } from './errors.js';

@Controller()
export class HealthController {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /** Liveness: the process answers. */
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers too. */
  @Get('ready')
  async ready(): Promise<{ status: 'ready' }> {
    try {
      await this.prisma.$queryRaw`SELECT 1`;
      return { status: 'ready' };
    } catch {
      throw new CdsHttpError(503, 'exception', 'database unavailable');
    }
  }
}
