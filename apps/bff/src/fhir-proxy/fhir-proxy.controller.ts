import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuditService } from '../audit/audit.service.js';
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

    const tokens = this.sessions.tokens(session);
    if (tokens.expiresAt <= Date.now()) {
      throw new ReauthorizationRequired(
        'The EHR access token expired; sign in again to continue.',
        'token_expired',
      );
    }
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const target = `${registration.issuer}/${rawPath}${query}`;
    const upstream = await fetch(target, {
      headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/fhir+json' },
    });
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
