import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { ReauthorizationRequired } from '../http/errors.js';
import { SessionService } from './session.service.js';

/** What the app may know about its launch: context, never tokens. */
export interface SessionContextBody {
  ehr: { name: string; vendor: string; issuer: string };
  patient: string | null;
  encounter: string | null;
  fhirUser: string | null;
  scope: string;
  needPatientBanner: boolean;
  expiresAt: string;
}

@Controller('api')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Get('session')
  async current(@Req() request: FastifyRequest): Promise<SessionContextBody> {
    const active = await this.sessions.fromRequest(request);
    if (!active) {
      throw new ReauthorizationRequired(
        'There is no session for this launch. Launch the app from your EHR.',
        'no_session',
      );
    }
    const { session, registration } = active;
    return {
      ehr: {
        name: registration.displayName,
        vendor: registration.vendor,
        issuer: registration.issuer,
      },
      patient: session.patientId,
      encounter: session.encounterId,
      fhirUser: session.fhirUser,
      scope: session.grantedScope,
      needPatientBanner: session.needPatientBanner,
      expiresAt: session.expiresAt.toISOString(),
    };
  }
}
