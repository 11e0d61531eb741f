import { randomUUID } from 'node:crypto';

import {
  createFeedback,
  resolvePrefetch,
  signCdsClientJwt,
  validateCard,
  validateDiscoveryDocument,
  type CdsAction,
  type CdsCard,
  type CdsResponse,
  type CdsServiceDefinition,
  type CdsSystemAction,
  type FhirResource,
} from '@bedside/cds-hooks';
import type { Resource } from '@bedside/fhir-model';

import type { SandboxServices } from '../services.js';
import { CdsSigningKeyStore } from './cds-signing-key.js';
import { CdsFhirData } from './fhir-data.js';

export type CdsScreen = 'chart' | 'orders';

/** One hook call and what came back, as the screens show it. */
export interface CdsExchange {
  hookInstance: string;
  serviceId: string;
  hook: string;
  patientId: string;
  screen: CdsScreen;
  /** Cards still to act on (accepted or dismissed cards are removed). */
  cards: CdsCard[];
  /** Why the service gave no usable answer (ERR-2), if it did not. */
  error?: string;
  createdAt: Date;
}

interface StoredResponse {
  cards?: CdsCard[];
  error?: string;
}

const discoveryTtlMs = 30_000;
const callTimeoutMs = 5_000;

/** The CDS service's `subject` at the sandbox's authorization server (fhirAuthorization). */
export const cdsServiceClientId = 'bedside-cds';

/**
 * The sandbox EHR as a CDS Client (CDS Hooks 2.0): discovers the configured CDS service, signs
 * every call with an RS384 JWT whose `jku` is the sandbox's CDS JWKS, sends the prefetch its
 * templates ask for (read from the sandbox's own data), keeps the answers per screen, applies
 * accepted suggestions and system actions to its FHIR data, and posts feedback.
 */
export class CdsClient {
  readonly keys: CdsSigningKeyStore;
  readonly data: CdsFhirData;
  private discovery: { at: number; services: Promise<CdsServiceDefinition[]> } | undefined;

  constructor(
    private readonly services: SandboxServices,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
    private readonly log: { warn(object: object, message: string): void } = {
      warn: () => undefined,
    },
  ) {
    this.keys = new CdsSigningKeyStore(services.prisma);
    this.data = new CdsFhirData(services.store, services.prisma);
  }

  /** The CDS service's discovery URL (`…/cds-services`), when one is configured. */
  get discoveryUrl(): string | undefined {
    return this.services.config.cdsServicesUrl?.replace(/\/$/, '');
  }

  /** `iss` of the sandbox's CDS Client JWTs. */
  get issuer(): string {
    return this.services.config.publicUrl;
  }

  /** Where the sandbox publishes its CDS Client keys (the JWT `jku`). */
  get jwksUrl(): string {
    return `${this.services.config.publicUrl}/cds-client/jwks.json`;
  }

  private async jwt(audience: string): Promise<string> {
    const key = await this.keys.current();
    return signCdsClientJwt({
      privateKey: key.privateKey,
      kid: key.kid,
      jku: this.jwksUrl,
      issuer: this.issuer,
      audience,
      alg: 'RS384',
      now: this.services.now,
    });
  }

  /** DISC-6: discovery is re-run every 30 s and after a failed call. */
  discover(): Promise<CdsServiceDefinition[]> {
    const url = this.discoveryUrl;
    if (url === undefined) return Promise.resolve([]);
    if (this.discovery && Date.now() - this.discovery.at < discoveryTtlMs)
      return this.discovery.services;
    const services = (async () => {
      const response = await this.fetchImpl(url, {
        headers: { accept: 'application/json', authorization: `Bearer ${await this.jwt(url)}` },
        signal: AbortSignal.timeout(callTimeoutMs),
      });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      const result = validateDiscoveryDocument(await response.json());
      if (!result.ok) throw new Error('the discovery document is invalid');
      return result.value.services;
    })();
    this.discovery = { at: Date.now(), services };
    services.catch(() => {
      this.discovery = undefined;
    });
    return services;
  }

  /**
   * Fires `hook` at every discovered service for it; never throws (ERR-2: a failing service gives
   * no cards and never blocks the user). Each call gets a new `hookInstance` (REQ-4).
   */
  async fire(
    hook: string,
    context: Record<string, unknown> & { patientId: string },
    screen: CdsScreen,
  ): Promise<CdsExchange[]> {
    let services: CdsServiceDefinition[];
    try {
      services = (await this.discover()).filter((service) => service.hook === hook);
    } catch (error) {
      this.log.warn({ err: error, discovery: this.discoveryUrl }, 'CDS discovery failed');
      return [];
    }
    return Promise.all(services.map((service) => this.call(service, hook, context, screen)));
  }

  private async call(
    service: CdsServiceDefinition,
    hook: string,
    context: Record<string, unknown> & { patientId: string },
    screen: CdsScreen,
  ): Promise<CdsExchange> {
    const hookInstance = randomUUID();
    const url = `${this.discoveryUrl ?? ''}/${encodeURIComponent(service.id)}`;
    let stored: StoredResponse;
    try {
      const prefetch = await this.prefetchFor(service, hook, context);
      const token = await this.services.tokens.issueAccessToken({
        client_id: cdsServiceClientId,
        scope: 'patient/*.read',
        patient: context.patientId,
      });
      const body = {
        hook,
        hookInstance,
        fhirServer: this.services.config.fhirBaseUrl,
        // AUTH-1: a token limited to this patient, for what the prefetch did not cover.
        fhirAuthorization: {
          access_token: token.accessToken,
          token_type: 'Bearer',
          expires_in: token.expiresIn,
          scope: 'patient/*.read',
          subject: cdsServiceClientId,
          patient: context.patientId,
        },
        context,
        prefetch,
      };
      const response = await this.fetchImpl(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${await this.jwt(url)}`,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(callTimeoutMs),
      });
      if (!response.ok) {
        this.discovery = undefined;
        stored = { error: `${service.id} answered ${response.status}` };
      } else {
        const answer = (await response.json()) as CdsResponse;
        // CARD-4, ERR-2: a card that breaks the rules is dropped, the others are shown.
        const cards = (Array.isArray(answer.cards) ? answer.cards : []).filter(
          (card) => validateCard(card, { allowHttpUrls: true }).ok,
        );
        await this.applySystemActions(answer.systemActions ?? []);
        stored = { cards };
      }
    } catch (error) {
      this.log.warn({ err: error, service: service.id }, 'CDS call failed');
      stored = {
        error: `${service.id} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const row = await this.services.prisma.sandboxCdsExchange.create({
      data: {
        hookInstance,
        serviceId: service.id,
        hook,
        patientId: context.patientId,
        screen,
        response: stored as object,
      },
    });
    return toExchange(row);
  }

  /** PF-3, PF-8: a template with an unresolvable token is left out; a read finding nothing is null. */
  async prefetchFor(
    service: CdsServiceDefinition,
    hook: string,
    context: Record<string, unknown>,
  ): Promise<Record<string, Resource | null>> {
    const { resolved } = resolvePrefetch(service.prefetch ?? {}, { hookContext: context, hook });
    const entries = await Promise.all(
      Object.entries(resolved).map(async ([key, query]) => {
        try {
          return [[key, await this.data.execute(query)] as const];
        } catch (error) {
          // PF-8: a query that fails is left out; the service can fetch it with the token.
          this.log.warn({ err: error, key }, 'CDS prefetch query failed');
          return [];
        }
      }),
    );
    return Object.fromEntries(entries.flat());
  }

  /** The newest exchange per service for a patient's screen (STALE-1: newer replaces older). */
  async latest(patientId: string, screen: CdsScreen): Promise<CdsExchange[]> {
    const rows = await this.services.prisma.sandboxCdsExchange.findMany({
      where: { patientId, screen },
      orderBy: { createdAt: 'desc' },
      take: 20,
    });
    // Only the answers to the newest hook are shown: signing supersedes what order-select said.
    const hook = rows[0]?.hook;
    const newest = new Map<string, CdsExchange>();
    for (const row of rows) {
      if (row.hook === hook && !newest.has(row.serviceId))
        newest.set(row.serviceId, toExchange(row));
    }
    return [...newest.values()];
  }

  /**
   * Applies an accepted suggestion like a transaction (ACT-2: deletes, then creates, then
   * updates) and reports it (FB-1). The card leaves the screen.
   */
  async accept(hookInstance: string, cardUuid: string, suggestionUuid: string): Promise<void> {
    const { exchange, card } = await this.findCard(hookInstance, cardUuid);
    const suggestion = card.suggestions?.find((s) => s.uuid === suggestionUuid);
    if (!suggestion) throw new Error('No such suggestion on this card.');
    const actions = suggestion.actions ?? [];
    const order: CdsAction['type'][] = ['delete', 'create', 'update'];
    for (const type of order) {
      for (const action of actions.filter((a) => a.type === type)) await this.applyAction(action);
    }
    await this.removeCard(exchange, cardUuid);
    await this.sendFeedback(exchange.serviceId, [
      createFeedback(
        { card: cardUuid, outcome: 'accepted', acceptedSuggestions: [suggestionUuid] },
        { now: this.services.now },
      ),
    ]);
  }

  /** Dismisses a card with an optional override reason from the card (FB-5: the full Coding). */
  async override(
    hookInstance: string,
    cardUuid: string,
    reasonCode?: string,
    comment?: string,
  ): Promise<void> {
    const { exchange, card } = await this.findCard(hookInstance, cardUuid);
    const reason = card.overrideReasons?.find((r) => r.code === reasonCode);
    await this.removeCard(exchange, cardUuid);
    await this.sendFeedback(exchange.serviceId, [
      createFeedback(
        {
          card: cardUuid,
          outcome: 'overridden',
          ...(reason || comment
            ? {
                overrideReason: {
                  ...(reason ? { reason } : {}),
                  ...(comment ? { userComment: comment } : {}),
                },
              }
            : {}),
        },
        { now: this.services.now },
      ),
    ]);
  }

  async findCard(
    hookInstance: string,
    cardUuid: string,
  ): Promise<{ exchange: CdsExchange; card: CdsCard }> {
    const row = await this.services.prisma.sandboxCdsExchange.findUnique({
      where: { hookInstance },
    });
    const exchange = row ? toExchange(row) : undefined;
    const card = exchange?.cards.find((c) => c.uuid === cardUuid);
    if (!exchange || !card) throw new Error('This card is no longer shown.');
    return { exchange, card };
  }

  private async removeCard(exchange: CdsExchange, cardUuid: string): Promise<void> {
    await this.services.prisma.sandboxCdsExchange.update({
      where: { hookInstance: exchange.hookInstance },
      data: { response: { cards: exchange.cards.filter((c) => c.uuid !== cardUuid) } as object },
    });
  }

  /** FB-3: only cards with a uuid are reported; one POST per service. Failures are logged, not shown. */
  private async sendFeedback(serviceId: string, feedback: object[]): Promise<void> {
    const url = `${this.discoveryUrl ?? ''}/${encodeURIComponent(serviceId)}/feedback`;
    try {
      await this.fetchImpl(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await this.jwt(url)}`,
        },
        body: JSON.stringify({ feedback }),
        signal: AbortSignal.timeout(callTimeoutMs),
      });
    } catch {
      // Feedback is best effort (FB-1: SHOULD).
    }
  }

  private async applyAction(action: CdsAction | CdsSystemAction): Promise<void> {
    if (action.type === 'delete') {
      const reference =
        action.resourceId ?? (typeof action.resource === 'string' ? action.resource : undefined);
      const [type, id] = (reference ?? '').split('/');
      if (type && id) await this.data.delete(type, id);
      return;
    }
    const resource = action.resource as FhirResource | undefined;
    if (!resource?.resourceType) return;
    const id = resource.id ?? randomUUID();
    await this.data.upsert({ ...(resource as Resource), id });
  }

  /** SYS-1: system actions are applied without asking (a DetectedIssue, CRD coverage information). */
  private async applySystemActions(actions: readonly CdsSystemAction[]): Promise<void> {
    for (const type of ['delete', 'create', 'update'] as const) {
      for (const action of actions.filter((a) => a.type === type)) await this.applyAction(action);
    }
  }
}

function toExchange(row: {
  hookInstance: string;
  serviceId: string;
  hook: string;
  patientId: string;
  screen: string;
  response: unknown;
  createdAt: Date;
}): CdsExchange {
  const response = (row.response ?? {}) as StoredResponse;
  return {
    hookInstance: row.hookInstance,
    serviceId: row.serviceId,
    hook: row.hook,
    patientId: row.patientId,
    screen: row.screen === 'orders' ? 'orders' : 'chart',
    cards: response.cards ?? [],
    ...(response.error ? { error: response.error } : {}),
    createdAt: row.createdAt,
  };
}
