import { Inject, Injectable } from '@nestjs/common';

import type { PrismaClient } from '@bedside/db';

import { PRISMA } from '../database/prisma.provider.js';

const cacheMs = 30_000;

/**
 * The origins allowed to embed the app (CSP `frame-ancestors`): each registration's explicit list,
 * or its issuer's origin. Read from the database, cached briefly, so every replica agrees.
 */
@Injectable()
export class FrameAncestors {
  private cached: { origins: string[]; until: number } | undefined;

  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async origins(): Promise<string[]> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.origins;
    const registrations = await this.prisma.ehrRegistration.findMany({
      select: { issuer: true, frameAncestors: true },
    });
    const origins = new Set<string>();
    for (const registration of registrations) {
      const explicit = registration.frameAncestors.filter((origin) =>
        /^https?:\/\/[^/\s;,']+$/.test(origin),
      );
      if (explicit.length > 0) explicit.forEach((origin) => origins.add(origin));
      else origins.add(new URL(registration.issuer).origin);
    }
    this.cached = { origins: [...origins].sort(), until: Date.now() + cacheMs };
    return this.cached.origins;
  }

  /** The CSP header value for pages that may be shown inside an EHR. */
  async contentSecurityPolicy(): Promise<string> {
    return `frame-ancestors 'self' ${(await this.origins()).join(' ')}`.trim();
  }
}
