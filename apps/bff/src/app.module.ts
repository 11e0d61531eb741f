import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import type { PrismaClient } from '@bedside/db';

import { AuditService } from './audit/audit.service.js';
import { BFF_CONFIG, type BffConfig } from './config.js';
import { pgPoolProvider } from './database/pg-pool.provider.js';
import { PRISMA, prismaProvider } from './database/prisma.provider.js';
import { FhirProxyController } from './fhir-proxy/fhir-proxy.controller.js';
import { EhrConnections } from './ehr/ehr-connections.service.js';
import { GrantCache } from './fhir-proxy/grant-cache.service.js';
import { UpstreamHttp } from './fhir-proxy/upstream-http.js';
import { IdempotencyService } from './fhir-proxy/idempotency.service.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { FrameAncestors } from './security/frame-ancestors.service.js';
import { EhrDirectoryController } from './session/ehr-directory.controller.js';
import { HealthController } from './health/health.controller.js';
import { DomainExceptionFilter } from './http/exception.filter.js';
import { LaunchController } from './launch/launch.controller.js';
import { LaunchService } from './launch/launch.service.js';
import { SessionController } from './session/session.controller.js';
import { SessionService } from './session/session.service.js';

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  static forConfig(config: BffConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        LaunchController,
        SessionController,
        EhrDirectoryController,
        FhirProxyController,
        OpenApiController,
        HealthController,
      ],
      providers: [
        { provide: BFF_CONFIG, useValue: config },
        prismaProvider,
        pgPoolProvider,
        AuditService,
        EhrConnections,
        FrameAncestors,
        IdempotencyService,
        GrantCache,
        UpstreamHttp,
        SessionService,
        LaunchService,
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
