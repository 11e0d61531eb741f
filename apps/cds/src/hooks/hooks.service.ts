import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';

import {
  createCdsResponse,
  createDiscoveryDocument,
  fetchMissingPrefetch,
  formatIssues,
  validateCdsServiceRequest,
  validateFeedback,
  type CdsDiscoveryDocument,
  type CdsResponse,
  type CdsServiceRequest,
  type FetchLike,
  type VerifiedCdsClient,
} from '@bedside/cds-hooks';

import { AuditService } from '../audit/audit.service.js';
import { ClientAuthService } from '../auth/client-auth.service.js';
import { CDS_CONFIG, type CdsConfig } from '../config.js';
import { badRequest, CdsHttpError, preconditionFailed, unknownService } from '../http/errors.js';
import { CDS_SERVICES, type CdsServiceSpec } from '../services/catalog.js';
import { degradedCard } from '../services/patient-record.cards.js';

/** Injection token for the clock (ms); tests freeze it. */
export const CDS_CLOCK = Symbol('CDS_CLOCK');
/** Injection token for the `fetch` used to read `fhirServer`. */
export const CDS_FETCH = Symbol('CDS_FETCH');

/** Time kept back from the hook's budget to build and send the answer. */
const answerMarginMs = 50;

interface CallContext {
  requestId: string;
  authorization: string | undefined;
}

/**
 * Runs a CDS call end to end: client JWT, body validation, prefetch completion within the hook's
 * deadline, the service's rules, response validation, audit. Controllers only pass HTTP in.
 */
@Injectable()
export class HooksService {
  private readonly logger = new Logger('HooksService');
  private readonly discovery: CdsDiscoveryDocument;
  private readonly byId: ReadonlyMap<string, CdsServiceSpec>;

  constructor(
    @Inject(CDS_CONFIG) private readonly config: CdsConfig,
    @Inject(CDS_CLOCK) private readonly now: () => number,
    @Inject(CDS_FETCH) private readonly fetch: FetchLike,
    private readonly auth: ClientAuthService,
    private readonly audit: AuditService,
  ) {
    // DISC-4: every prefetch template is linted at start-up; a bad one stops the service.
    this.discovery = createDiscoveryDocument(CDS_SERVICES.map((service) => service.definition));
    this.byId = new Map(CDS_SERVICES.map((service) => [service.definition.id, service]));
  }

  /**
   * GET /cds-services. Discovery carries no PHI: served without a JWT, but a JWT that is sent is
   * verified with `aud` = the discovery URL (cds-hooks.md DISC-5, a Bedside decision).
   */
  async discover(context: CallContext): Promise<CdsDiscoveryDocument> {
    let client: VerifiedCdsClient | undefined;
    if (context.authorization !== undefined) {
      client = await this.authenticate(context, this.config.servicesUrl, 'cds.discovery', {});
    }
    this.audit.record({
      actor: client?.issuer ?? 'anonymous',
      action: 'cds.discovery',
      outcome: 'success',
      requestId: context.requestId,
      detail: { status: 200 },
    });
    return this.discovery;
  }

  /** POST /cds-services/{id}. */
  async call(id: string, rawBody: unknown, context: CallContext): Promise<CdsResponse> {
    const started = this.now();
    const audience = `${this.config.servicesUrl}/${encodeURIComponent(id)}`;
    const client = await this.authenticate(context, audience, 'cds.hook', { service: id });
    const detail: Record<string, unknown> = { service: id };
    try {
      const service = this.byId.get(id);
      if (service === undefined) throw unknownService(id);
      const body = parseJson(rawBody);
      const validation = validateCdsServiceRequest(body, {
        hook: service.definition.hook,
        allowHttpFhirServer: this.config.allowHttpFhirServer,
      });
      if (!validation.ok) {
        throw badRequest(`Invalid CDS Hooks request:\n${formatIssues(validation.issues)}`);
      }
      const request = validation.value;
      detail['hook'] = request.hook;
      detail['hookInstance'] = request.hookInstance;
      const patientId = stringOrUndefined(request.context['patientId']);

      const completed = await fetchMissingPrefetch({
        templates: service.definition.prefetch,
        request,
        fetch: this.fetch,
        deadlineMs: started + this.config.hookDeadlineMs - answerMarginMs,
        now: this.now,
      });
      // PF-11: needed data neither prefetched nor retrievable ⇒ 412. Data that was retrievable
      // but did not come in time gives a degraded card instead (cds-hooks.md §16).
      const unreachable = completed.errors.filter(
        (error) =>
          service.required.includes(error.key) &&
          (error.code === 'no_fhir_server' || error.code === 'no_authorization'),
      );
      if (unreachable.length > 0) {
        throw preconditionFailed(
          `Prefetch ${unreachable.map((e) => e.key).join(', ')} is missing and cannot be fetched: ${
            unreachable[0]?.message ?? ''
          }. Send the prefetch, or fhirServer with fhirAuthorization.`,
        );
      }
      const unavailable = completed.missing;
      const input = {
        request: request as CdsServiceRequest,
        prefetch: completed.prefetch,
        unavailable,
        today: new Date(this.now()).toISOString().slice(0, 10),
        appLaunchUrl: this.config.appLaunchUrl,
        newUuid: randomUUID,
      };
      const result = service.run(input);
      const degraded = unavailable.filter((key) => service.required.includes(key));
      if (degraded.length > 0) {
        const timedOut = completed.errors.some((error) => error.code === 'timeout');
        result.cards.push(
          degradedCard(
            { ...input, unavailable: degraded },
            timedOut
              ? 'the EHR’s FHIR server did not answer in time'
              : 'the EHR’s FHIR server refused or failed',
          ),
        );
      }
      const response = createCdsResponse(result, { allowHttpUrls: true });
      Object.assign(detail, {
        status: 200,
        cards: response.cards.length,
        systemActions: response.systemActions?.length ?? 0,
        fetched: completed.fetched,
        unavailable,
        elapsedMs: this.now() - started,
      });
      this.audit.record({
        actor: client.issuer,
        action: 'cds.hook',
        outcome: 'success',
        requestId: context.requestId,
        patientId,
        detail,
      });
      return response;
    } catch (error) {
      this.audit.record({
        actor: client.issuer,
        action: 'cds.hook',
        outcome: 'failure',
        requestId: context.requestId,
        detail: { ...detail, status: error instanceof CdsHttpError ? error.status : 500 },
      });
      throw error;
    }
  }

  /** POST /cds-services/{id}/feedback: each item goes to the audit log (FB-4: 200 `{}`). */
  async feedback(
    id: string,
    rawBody: unknown,
    context: CallContext,
  ): Promise<Record<string, never>> {
    const audience = `${this.config.servicesUrl}/${encodeURIComponent(id)}/feedback`;
    const client = await this.authenticate(context, audience, 'cds.feedback', { service: id });
    try {
      if (!this.byId.has(id)) throw unknownService(id);
      const validation = validateFeedback(parseJson(rawBody));
      if (!validation.ok) throw badRequest(`Invalid feedback:\n${formatIssues(validation.issues)}`);
      for (const item of validation.value.feedback) {
        this.audit.record({
          actor: client.issuer,
          action: 'cds.feedback',
          outcome: 'success',
          requestId: context.requestId,
          detail: {
            service: id,
            card: item.card,
            outcome: item.outcome,
            ...(item.acceptedSuggestions
              ? { acceptedSuggestions: item.acceptedSuggestions.map((s) => s.id) }
              : {}),
            ...(item.overrideReason ? { overrideReason: item.overrideReason } : {}),
            outcomeTimestamp: item.outcomeTimestamp,
          },
        });
      }
      return {};
    } catch (error) {
      this.audit.record({
        actor: client.issuer,
        action: 'cds.feedback',
        outcome: 'failure',
        requestId: context.requestId,
        detail: { service: id, status: error instanceof CdsHttpError ? error.status : 500 },
      });
      throw error;
    }
  }

  private async authenticate(
    context: CallContext,
    audience: string,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<VerifiedCdsClient> {
    try {
      return await this.auth.verify(context.authorization, audience);
    } catch (error) {
      this.audit.record({
        actor: 'anonymous',
        action,
        outcome: 'failure',
        requestId: context.requestId,
        detail: { ...detail, status: error instanceof CdsHttpError ? error.status : 500 },
      });
      if (!(error instanceof CdsHttpError)) this.logger.error(`JWT check failed: ${String(error)}`);
      throw error;
    }
  }
}

function parseJson(raw: unknown): unknown {
  if (typeof raw !== 'string') {
    if (raw === undefined || raw === null)
      throw badRequest('The body must be a JSON object (Content-Type: application/json).');
    return raw;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw badRequest('The body is not valid JSON.');
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
