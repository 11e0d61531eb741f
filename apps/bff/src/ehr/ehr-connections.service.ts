import { Inject, Injectable } from '@nestjs/common';

import type { EhrRegistration, PrismaClient } from '@bedside/db';
import {
  RateLimiter,
  adapterFor,
  createTokenEndpointFetch,
  type EhrAdapter,
} from '@bedside/ehr-adapters';
import {
  DiscoveryCache,
  TokenLifecycle,
  type ClientAuthentication,
  type SmartConfiguration,
} from '@bedside/smart-auth';

import { BFF_CONFIG, type BffConfig } from '../config.js';
import { PRISMA } from '../database/prisma.provider.js';
import { SecretBox } from '../security/secret-box.js';
import { SessionTokenStore } from '../session/session-token-store.js';

/** Keeps at most this many sessions' lifecycle managers per process (least recently used out). */
const maxLifecycles = 2000;

/**
 * Everything the BFF needs to talk to one EHR: its discovery document (cached per its HTTP cache
 * headers), how our client authenticates there, and one token lifecycle manager per session.
 */
@Injectable()
export class EhrConnections {
  readonly discovery = new DiscoveryCache({ defaultTtlSeconds: 300 });
  private readonly box: SecretBox;
  private readonly lifecycles = new Map<string, Promise<TokenLifecycle>>();
  /** One per process: the vendors' token-endpoint budgets (athena 50/min, row 46). */
  private readonly rateLimiter = new RateLimiter();

  constructor(
    @Inject(BFF_CONFIG) config: BffConfig,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
  ) {
    this.box = new SecretBox(config.tokenEncryptionKey);
  }

  smartConfiguration(registration: EhrRegistration): Promise<SmartConfiguration> {
    return this.discovery.get(registration.issuer);
  }

  /** The vendor adapter of this registration: token bodies and launch context normalised. */
  adapter(registration: EhrRegistration): EhrAdapter {
    return adapterFor(registration.vendor);
  }

  /**
   * `fetch` for token-endpoint calls of this registration: the vendor's repairs (string
   * booleans, row 21; vendor members kept, row 20), refresh rules (scope on refresh, row 28;
   * spacing, row 29) and rate limit (row 46) applied around each call.
   */
  tokenEndpointFetch(
    registration: EhrRegistration,
    tokenEndpoint: string,
    grantedScope?: () => Promise<string | undefined>,
  ): (request: Request) => Promise<Response> {
    return createTokenEndpointFetch(this.adapter(registration), {
      tokenEndpoint,
      rateLimiter: this.rateLimiter,
      fhirBaseUrl: registration.issuer,
      ...(grantedScope ? { grantedScope } : {}),
    });
  }

  /** TOKEN-02: how this registration authenticates at the EHR's token endpoint. */
  clientAuthentication(registration: EhrRegistration): ClientAuthentication {
    const secret = () => {
      if (!registration.clientSecretCiphertext) {
        throw new Error(`Registration ${registration.displayName} has no client secret.`);
      }
      return this.box.open(registration.clientSecretCiphertext, `registration:${registration.id}`);
    };
    switch (registration.tokenEndpointAuthMethod) {
      case 'none':
        return { method: 'none', clientId: registration.clientId };
      case 'client_secret_basic':
        return {
          method: 'client_secret_basic',
          clientId: registration.clientId,
          clientSecret: secret(),
        };
      case 'client_secret_post':
        return {
          method: 'client_secret_post',
          clientId: registration.clientId,
          clientSecret: secret(),
        };
      case 'private_key_jwt':
        throw new Error(
          `Registration ${registration.displayName}: private_key_jwt needs a registered key.`,
        );
    }
  }

  /**
   * The lifecycle manager of one session. Created once per session per process and shared, so
   * concurrent requests share one refresh (the map holds the promise, set before any await).
   */
  lifecycle(sessionIdHash: string, registration: EhrRegistration): Promise<TokenLifecycle> {
    const existing = this.lifecycles.get(sessionIdHash);
    if (existing) {
      this.lifecycles.delete(sessionIdHash);
      this.lifecycles.set(sessionIdHash, existing);
      return existing;
    }
    const created = this.smartConfiguration(registration).then((smart) => {
      const store = new SessionTokenStore(this.prisma, this.box, sessionIdHash);
      return new TokenLifecycle({
        store,
        tokenEndpoint: smart.token_endpoint,
        client: this.clientAuthentication(registration),
        fetch: this.tokenEndpointFetch(
          registration,
          smart.token_endpoint,
          async () => (await store.load())?.tokens.scope,
        ),
        fhirBaseUrl: registration.issuer,
        // Sandbox profiles issue 10-second tokens: a 30 s default skew would refresh on every call.
        clockSkewSeconds: 5,
      });
    });
    created.catch(() => this.lifecycles.delete(sessionIdHash));
    this.lifecycles.set(sessionIdHash, created);
    if (this.lifecycles.size > maxLifecycles) {
      const oldest = this.lifecycles.keys().next().value;
      if (oldest !== undefined) this.lifecycles.delete(oldest);
    }
    return created;
  }
}
