import { Controller, Get, Inject } from '@nestjs/common';

import type { PrismaClient } from '@bedside/db';

import { PRISMA } from '../database/prisma.provider.js';
import { FrameAncestors } from '../security/frame-ancestors.service.js';

export interface EhrChoice {
  issuer: string;
  name: string;
  vendor: string;
}

/** Public facts the web app needs before any session: the EHR chooser and embedding origins. */
@Controller('api')
export class EhrDirectoryController {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly frameAncestors: FrameAncestors,
  ) {}

  /** The registered EHRs a standalone launch can start from. */
  @Get('ehrs')
  async list(): Promise<{ ehrs: EhrChoice[] }> {
    const registrations = await this.prisma.ehrRegistration.findMany({
      orderBy: { displayName: 'asc' },
    });
    return {
      ehrs: registrations.map((registration) => ({
        issuer: registration.issuer,
        name: registration.displayName,
        vendor: registration.vendor,
      })),
    };
  }

  /** The CSP the web app sends on its pages (frame-ancestors = registered EHR origins). */
  @Get('content-security-policy')
  async contentSecurityPolicy(): Promise<{ policy: string }> {
    return { policy: await this.frameAncestors.contentSecurityPolicy() };
  }
}
