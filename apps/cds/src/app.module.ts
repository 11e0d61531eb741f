import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import type { FetchLike } from '@bedside/cds-hooks';
import type { PrismaClient } from '@bedside/db';

import { AuditService } from './audit/audit.service.js';
import { ClientAuthService } from './auth/client-auth.service.js';
import { CDS_CONFIG, type CdsConfig } from './config.js';
import { pgPoolProvider, PRISMA, prismaProvider } from './database/database.providers.js';
import { HooksController } from './hooks/hooks.controller.js';
import { CDS_CLOCK, CDS_FETCH, HooksService } from './hooks/hooks.service.js';
import { CdsExceptionFilter } from './http/exception.filter.js';
import { HealthController } from './http/health.controller.js';

export interface CdsOverrides {
  /** Clock in ms (tests freeze it). */
  now?: () => number;
  /** `fetch` for reads from `fhirServer`. */
  fetch?: FetchLike;
}

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  static forConfig(config: CdsConfig, overrides: CdsOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      controllers: [HooksController, HealthController],
      providers: [
        { provide: CDS_CONFIG, useValue: config },
        { provide: CDS_CLOCK, useValue: overrides.now ?? Date.now },
        {
          provide: CDS_FETCH,
          useValue: overrides.fetch ?? ((url: string, init: RequestInit) => fetch(url, init)),
        },
        prismaProvider,
        pgPoolProvider,
        AuditService,
        ClientAuthService,
        HooksService,
        { provide: APP_FILTER, useClass: CdsExceptionFilter },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
