import { Controller, Get, Headers, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Resource } from '@bedside/fhir-model';
import { decide } from '@bedside/scopes';
import { ReauthorizationRequiredError } from '@bedside/smart-auth';

import { AuditService } from '../audit/audit.service.js';
import { EhrConnections } from '../ehr/ehr-connections.service.js';
import { ApiError, FhirProxyError, ReauthorizationRequired } from '../http/errors.js';
import { SessionService, type ActiveSession } from '../session/session.service.js';
import {
  parseFhirPath,
  readInteraction,
  type FhirPath,
  type ProxyInteraction,
} from './fhir-path.js';
import { GrantCache } from './grant-cache.service.js';
import { IdempotencyService } from './idempotency.service.js';
import { normalizeUpstreamError } from './upstream-errors.js';
import { UpstreamHttp, UpstreamUnavailableError, type UpstreamResponse } from './upstream-http.js';

const forwardedResponseHeaders = [
  'content-type',
  'etag',
  'last-modified',
  'location',
  'content-location',
];
const fhirJson = 'application/fhir+json';

interface Forward {
  active: ActiveSession;
  request: FastifyRequest;
  method: 'GET' | 'POST' | 'PUT';
  path: FhirPath;
  rawPath: string;
  interaction: ProxyInteraction;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * `/api/fhir/...`: the app's only way to the EHR. The session's access token is attached here
 * and never leaves the server; reads stream through; writes are idempotent per Idempotency-Key;
 * every call writes an audit row (actor, patient, type, interaction, outcome, latency).
 */
@Controller('api/fhir')
export class FhirProxyController {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly ehr: EhrConnections,
    private readonly idempotency: IdempotencyService,
    private readonly grants: GrantCache,
    private readonly upstreamHttp: UpstreamHttp,
  ) {}

  @Get('*')
  async read(
    @Param('*') rawPath: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const active = await this.requireSession(request);
    const path = this.requirePath(rawPath);
    const upstream = await this.forward({
      active,
      request,
      method: 'GET',
      path,
      rawPath,
      interaction: readInteraction(path),
    });
    if (!upstream.ok) {
      await this.sendUpstreamError(upstream, reply);
      return;
    }
    this.copyHeaders(upstream, reply);
    await reply.send(upstream.body);
  }

  /** FHIR create. Needs an Idempotency-Key: sending twice never creates two records. */
  @Post(':type')
  async create(
    @Param('type') type: string,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const active = await this.requireSession(request);
    const path = this.requirePath(type);
    if (!key)
      throw new ApiError(
        400,
        'idempotency_key_required',
        'A create needs an Idempotency-Key header.',
      );
    const body = this.requireResourceBody(request, path);
    await this.idempotentWrite(active, request, reply, key, {
      method: 'POST',
      path,
      rawPath: type,
      interaction: 'create',
      body,
    });
  }

  /** FHIR update; `If-Match` is passed through for optimistic locking. */
  @Put(':type/:id')
  async update(
    @Param('type') type: string,
    @Param('id') id: string,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const active = await this.requireSession(request);
    const rawPath = `${type}/${id}`;
    const path = this.requirePath(rawPath);
    const body = this.requireResourceBody(request, path);
    const headers = ifMatch ? { 'if-match': ifMatch } : undefined;
    const write = {
      method: 'PUT' as const,
      path,
      rawPath,
      interaction: 'update' as const,
      body,
      ...(headers ? { headers } : {}),
    };
    if (key) {
      await this.idempotentWrite(active, request, reply, key, write);
      return;
    }
    const upstream = await this.forward({ active, request, ...write });
    if (!upstream.ok) {
      await this.sendUpstreamError(upstream, reply);
      return;
    }
    this.copyHeaders(upstream, reply);
    await reply.send(await upstream.text());
  }

  private async idempotentWrite(
    active: ActiveSession,
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    write: Omit<Forward, 'active' | 'request'>,
  ): Promise<void> {
    const owner = this.idempotency.ownerKey(
      active.registration.id,
      active.session.fhirUser,
      active.session.patientId,
    );
    const claim = await this.idempotency.claim(
      owner,
      key,
      write.method,
      write.rawPath,
      write.body ?? '',
    );
    if (claim.kind === 'replay') {
      reply
        .code(claim.response.status)
        .header('Cache-Control', 'no-store')
        .header('Idempotent-Replayed', 'true');
      if (claim.response.contentType) reply.header('content-type', claim.response.contentType);
      if (claim.response.location) reply.header('location', claim.response.location);
      await reply.send(claim.response.body);
      return;
    }
    let upstream: UpstreamResponse;
    let text: string;
    try {
      upstream = await this.forward({ active, request, ...write });
      text = await upstream.text();
    } catch (error) {
      await this.idempotency.release(owner, key);
      throw error;
    }
    if (!upstream.ok) {
      const { status, outcome } = normalizeUpstreamError(upstream.status, text);
      // A failed EHR (5xx) frees the key for a retry; a refusal (4xx) is the answer for good.
      if (upstream.status >= 500) await this.idempotency.release(owner, key);
      else {
        await this.idempotency.complete(owner, key, {
          status,
          body: JSON.stringify(outcome),
          contentType: fhirJson,
          location: undefined,
        });
      }
      await reply.code(status).header('Cache-Control', 'no-store').type(fhirJson).send(outcome);
      return;
    }
    await this.idempotency.complete(owner, key, {
      status: upstream.status,
      body: text,
      contentType: upstream.header('content-type'),
      location: upstream.header('location'),
    });
    this.copyHeaders(upstream, reply);
    await reply.send(text);
  }

  private async requireSession(request: FastifyRequest): Promise<ActiveSession> {
    const active = await this.sessions.fromRequest(request);
    if (!active) {
      throw new ReauthorizationRequired(
        'There is no session for this launch. Launch the app from your EHR.',
        'no_session',
      );
    }
    return active;
  }

  private requirePath(rawPath: string): FhirPath {
    const path = parseFhirPath(rawPath);
    if (!path)
      throw new FhirProxyError(
        'not-supported',
        `"${rawPath}" is not a FHIR path this proxy forwards.`,
        400,
      );
    return path;
  }

  private requireResourceBody(request: FastifyRequest, path: FhirPath): string {
    const raw =
      typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null);
    let resource: Resource;
    try {
      resource = JSON.parse(raw) as Resource;
    } catch {
      throw new FhirProxyError('structure', 'The body is not valid JSON.', 400);
    }
    if (
      typeof resource !== 'object' ||
      resource === null ||
      resource.resourceType !== path.resourceType
    ) {
      throw new FhirProxyError('invalid', `The body must be a ${path.resourceType} resource.`, 400);
    }
    if (path.id && resource.id !== path.id) {
      throw new FhirProxyError(
        'invalid',
        `The resource id must be "${path.id}" to update ${path.resourceType}/${path.id}.`,
        400,
      );
    }
    return raw;
  }

  private async sendUpstreamError(upstream: UpstreamResponse, reply: FastifyReply): Promise<void> {
    const { status, outcome } = normalizeUpstreamError(upstream.status, await upstream.text());
    await reply.code(status).header('Cache-Control', 'no-store').type(fhirJson).send(outcome);
  }

  private copyHeaders(upstream: UpstreamResponse, reply: FastifyReply): void {
    reply.code(upstream.status).header('Cache-Control', 'no-store');
    for (const name of forwardedResponseHeaders) {
      const value = upstream.header(name);
      if (value) reply.header(name, value);
    }
  }

  private async forward(forward: Forward): Promise<UpstreamResponse> {
    const { active, request, path } = forward;
    const { session, registration } = active;
    const started = performance.now();
    const query =
      forward.method === 'GET' && request.url.includes('?')
        ? request.url.slice(request.url.indexOf('?'))
        : '';
    const target = `${registration.issuer}/${forward.rawPath}${query}`;
    const auditBase = {
      actor: session.fhirUser ?? registration.clientId,
      action: `fhir.${forward.interaction}`,
      requestId: request.id,
      registrationId: registration.id,
      patientId: session.patientId ?? undefined,
    };
    // Refuse before calling the EHR what the granted scopes do not allow (SCOPE-08, RS-02).
    const decision = decide(this.grants.of(session.idHash, session.grantedScope), {
      resourceType: path.resourceType,
      interaction: forward.interaction,
      ...(forward.method === 'GET'
        ? { searchParams: [...new URLSearchParams(query.slice(1))] }
        : {}),
      ...(forward.body !== undefined ? { resource: JSON.parse(forward.body) as Resource } : {}),
    });
    if (!decision.allowed) {
      this.audit.recordInBackground({
        ...auditBase,
        outcome: 'failure',
        detail: {
          resourceType: path.resourceType,
          id: path.id ?? null,
          status: 403,
          reason: decision.code,
        },
      });
      throw new FhirProxyError(
        'forbidden',
        `${decision.reason}${decision.needed ? ` (needs ${decision.needed})` : ''}`,
        403,
      );
    }
    const lifecycle = await this.ehr.lifecycle(session.idHash, registration);
    let upstream: UpstreamResponse;
    try {
      lifecycle.assertUnderFhirBase(target);
      const headers = {
        accept: fhirJson,
        ...(forward.body !== undefined ? { 'content-type': fhirJson } : {}),
        ...forward.headers,
      };
      // Refreshes first when 80% of the token's life has passed; retries once after a 401.
      upstream = await lifecycle.withAccessToken(
        (accessToken) =>
          this.upstreamHttp.send(target, {
            method: forward.method,
            headers: { ...headers, authorization: `Bearer ${accessToken}` },
            ...(forward.body !== undefined ? { body: forward.body } : {}),
          }),
        (response) => {
          if (response.status !== 401) return false;
          response.discard();
          return true;
        },
      );
    } catch (error) {
      if (error instanceof UpstreamUnavailableError) {
        this.audit.recordInBackground({
          ...auditBase,
          outcome: 'failure',
          detail: { resourceType: path.resourceType, id: path.id ?? null, reason: error.message },
        });
        throw error.timedOut
          ? new FhirProxyError('timeout', 'The EHR did not answer in time.', 504)
          : new FhirProxyError('exception', 'The EHR could not be reached.', 502);
      }
      if (!(error instanceof ReauthorizationRequiredError)) throw error;
      this.audit.recordInBackground({
        ...auditBase,
        outcome: 'failure',
        detail: { resourceType: path.resourceType, id: path.id ?? null, reason: error.reason },
      });
      throw new ReauthorizationRequired(
        'The EHR session can no longer be renewed; sign in again to continue.',
        error.reason,
      );
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    this.audit.recordInBackground({
      ...auditBase,
      outcome: upstream.ok ? 'success' : 'failure',
      detail: {
        resourceType: path.resourceType,
        id: path.id ?? null,
        status: upstream.status,
        latencyMs,
      },
    });
    if (upstream.status === 401) {
      upstream.discard();
      throw new ReauthorizationRequired(
        'The EHR no longer accepts this session; sign in again to continue.',
        'ehr_rejected_token',
      );
    }
    return upstream;
  }
}
