import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ReauthorizationRequiredError } from '@bedside/smart-auth';

import { AuditService } from '../audit/audit.service.js';
import { EhrConnections } from '../ehr/ehr-connections.service.js';
import { FhirProxyError, ReauthorizationRequired } from '../http/errors.js';
import { SessionService } from '../session/session.service.js';
import { parseFhirPath } from './fhir-path.js';

const forwardedResponseHeaders = [
  'content-type',
  'etag',
  'last-modified',
  'location',
  'content-location',
];

/**
 * `/api/fhir/...`: the app's only way to the EHR. The session's access token is attached here
 * and never leaves the server; responses stream through; every call writes an audit row.
 */
@Controller('api/fhir')
export class FhirProxyController {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly ehr: EhrConnections,
  ) {}

  @Get('*')
  async read(
    @Param('*') rawPath: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const started = performance.now();
    const active = await this.sessions.fromRequest(request);
    if (!active) {
      throw new ReauthorizationRequired(
        'There is no session for this launch. Launch the app from your EHR.',
        'no_session',
      );
    }
    const { session, registration } = active;
    const fhirPath = parseFhirPath(rawPath);
    if (!fhirPath)
      throw new FhirProxyError(
        'not-supported',
        `"${rawPath}" is not a FHIR path this proxy forwards.`,
        400,
      );

    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const target = `${registration.issuer}/${rawPath}${query}`;
    const lifecycle = await this.ehr.lifecycle(session.idHash, registration);
    let upstream: Response;
    try {
      // Refreshes first when 80% of the token's life has passed; retries once after a 401.
      upstream = await lifecycle.fetchWithToken(
        new Request(target, { headers: { accept: 'application/fhir+json' } }),
      );
    } catch (error) {
      if (!(error instanceof ReauthorizationRequiredError)) throw error;
      this.audit.recordInBackground({
        actor: session.fhirUser ?? registration.clientId,
        action: `fhir.${fhirPath.interaction}`,
        outcome: 'failure',
        requestId: request.id,
        registrationId: registration.id,
        patientId: session.patientId ?? undefined,
        detail: { resourceType: fhirPath.resourceType, reason: error.reason },
      });
      throw new ReauthorizationRequired(
        'The EHR session can no longer be renewed; sign in again to continue.',
        error.reason,
      );
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    this.audit.recordInBackground({
      actor: session.fhirUser ?? registration.clientId,
      action: `fhir.${fhirPath.interaction}`,
      outcome: upstream.ok ? 'success' : 'failure',
      requestId: request.id,
      registrationId: registration.id,
      patientId: session.patientId ?? undefined,
      detail: {
        resourceType: fhirPath.resourceType,
        id: fhirPath.id ?? null,
        status: upstream.status,
        latencyMs,
      },
    });
    if (upstream.status === 401) {
      await upstream.body?.cancel();
      throw new ReauthorizationRequired(
        'The EHR no longer accepts this session; sign in again to continue.',
        'ehr_rejected_token',
      );
    }
    reply.code(upstream.status).header('Cache-Control', 'no-store');
    for (const name of forwardedResponseHeaders) {
      const value = upstream.headers.get(name);
      if (value) reply.header(name, value);
    }
    await reply.send(upstream.body ? Readable.fromWeb(upstream.body as NodeReadableStream) : '');
  }
}
