import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

import type { EhrRegistration, PrismaClient } from '@bedside/db';
import {
  buildAuthorizationCodeRequest,
  buildAuthorizationUrl,
  buildOpenIdConfigurationRequest,
  computeCodeChallenge,
  generateCodeVerifier,
  generateNonce,
  generateState,
  OAuthError,
  parseAuthorizationCallback,
  processOpenIdConfigurationResponse,
  processTokenResponse,
  resolveFhirUser,
  SmartAuthError,
  tokenSetFromResponse,
  verifyIdToken,
  type OpenIdConfiguration,
  type SmartConfiguration,
  type TokenResponse,
} from '@bedside/smart-auth';

import { AuditService } from '../audit/audit.service.js';
import { BFF_CONFIG, type BffConfig } from '../config.js';
import { PRISMA } from '../database/prisma.provider.js';
import { LaunchError } from '../http/errors.js';
import { SecretBox } from '../security/secret-box.js';
import { EhrConnections } from '../ehr/ehr-connections.service.js';
import { SessionService } from '../session/session.service.js';

export interface LaunchRequest {
  iss?: string | undefined;
  launch?: string | undefined;
  requestId: string;
}

export interface CompletedLaunch {
  handle: string;
  secret: string;
  /** Where to send the browser: the app, on this launch's session. */
  appUrl: string;
}

/**
 * The BFF's half of the SMART EHR launch (SMART App Launch 2.2 §app-launch): everything secret
 * (state, PKCE verifier, nonce, tokens) stays server-side; the browser only ever carries `state`
 * to the EHR and back, and a session cookie afterwards.
 */
@Injectable()
export class LaunchService {
  private readonly logger = new Logger('LaunchService');
  private readonly box: SecretBox;
  private readonly jwksByUri = new Map<string, JWTVerifyGetKey>();
  private readonly openIdByIssuer = new Map<string, Promise<OpenIdConfiguration>>();

  constructor(
    @Inject(BFF_CONFIG) private readonly config: BffConfig,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly ehr: EhrConnections,
  ) {
    this.box = new SecretBox(config.tokenEncryptionKey);
  }

  /**
   * Starts an EHR launch and returns the EHR's authorize URL.
   * @throws LaunchError 400 for a missing or unregistered `iss` (checked before any discovery:
   *   LAUNCH-03), a missing `launch`, or an EHR whose discovery is unusable.
   */
  async start(request: LaunchRequest): Promise<string> {
    if (!request.iss) {
      throw new LaunchError(
        400,
        'Missing iss',
        'The EHR did not say which FHIR server launched the app (no iss parameter).',
      );
    }
    const registration = await this.prisma.ehrRegistration.findUnique({
      where: { issuer: request.iss },
      include: { scopes: { orderBy: { position: 'asc' } } },
    });
    if (!registration) {
      await this.audit.record({
        actor: 'anonymous',
        action: 'launch.start',
        outcome: 'failure',
        requestId: request.requestId,
        detail: { reason: 'unknown_iss', iss: request.iss },
      });
      throw new LaunchError(
        400,
        'Unknown EHR',
        `This app is not registered with the EHR at ${request.iss}. An administrator can register it in the console.`,
      );
    }
    if (!request.launch) {
      throw new LaunchError(
        400,
        'Missing launch',
        `The EHR at ${request.iss} sent no launch parameter.`,
      );
    }
    return this.beginAuthorization(registration, {
      requestId: request.requestId,
      launch: request.launch,
      scope: registration.scopes.map((entry) => entry.scope),
      action: 'launch.start',
    });
  }

  /**
   * Standalone launch (SMART App Launch 2.2 §standalone-launch): the user picks an EHR in the app,
   * signs in there and picks a patient; `launch` becomes `launch/patient` (LAUNCH-05).
   * Also used to re-authorise a session whose refresh failed, returning to `returnTo`.
   * @throws LaunchError 400 for an unregistered EHR or an unsafe `returnTo`.
   */
  async startStandalone(request: {
    issuer?: string | undefined;
    requestId: string;
    returnTo?: string | undefined;
    action?: 'standalone.start' | 'reauthorize.start';
  }): Promise<string> {
    const registration = request.issuer
      ? await this.prisma.ehrRegistration.findUnique({
          where: { issuer: request.issuer },
          include: { scopes: { orderBy: { position: 'asc' } } },
        })
      : null;
    if (!registration) {
      throw new LaunchError(
        400,
        'Unknown EHR',
        `This app is not registered with the EHR at ${request.issuer ?? '(none given)'}.`,
      );
    }
    const returnTo =
      request.returnTo === undefined ? undefined : this.safeReturnPath(request.returnTo);
    const scope = registration.scopes
      .map((entry) => entry.scope)
      .map((scope) => (scope === 'launch' ? 'launch/patient' : scope));
    if (!scope.includes('launch/patient')) scope.unshift('launch/patient');
    return this.beginAuthorization(registration, {
      requestId: request.requestId,
      scope,
      action: request.action ?? 'standalone.start',
      ...(returnTo ? { returnTo } : {}),
    });
  }

  /** Only a path on the app's own origin (no scheme, no `//host`, no backslashes): no open redirect. */
  private safeReturnPath(returnTo: string): string {
    const resolved = (() => {
      try {
        return new URL(returnTo, this.config.appPublicUrl);
      } catch {
        return undefined;
      }
    })();
    if (
      !returnTo.startsWith('/') ||
      returnTo.startsWith('//') ||
      returnTo.includes('\\') ||
      resolved?.origin !== new URL(this.config.appPublicUrl).origin
    ) {
      throw new LaunchError(
        400,
        'Unsafe return address',
        'The app can only return to one of its own pages.',
      );
    }
    return `${resolved.pathname}${resolved.search}`;
  }

  private async beginAuthorization(
    registration: EhrRegistration,
    options: {
      requestId: string;
      scope: string[];
      launch?: string;
      returnTo?: string;
      action: string;
    },
  ): Promise<string> {
    if (!registration.redirectUris.includes(this.config.callbackUrl)) {
      throw new LaunchError(
        500,
        'Registration incomplete',
        `The registration for ${registration.displayName} does not list this app's redirect URI (${this.config.callbackUrl}).`,
      );
    }
    const smart = await this.discover(registration);
    const state = generateState();
    const verifier = generateCodeVerifier();
    const nonce = generateNonce();
    const scope = options.scope.join(' ');
    await this.prisma.pendingAuthorization.create({
      data: {
        state,
        registrationId: registration.id,
        codeVerifierCiphertext: this.box.seal(verifier, `pending:${state}`),
        nonce,
        redirectUri: this.config.callbackUrl,
        launch: options.launch ?? null,
        requestedScope: scope,
        returnTo: options.returnTo ?? null,
        expiresAt: new Date(Date.now() + this.config.pendingAuthorizationTtlSeconds * 1000),
      },
    });
    await this.audit.record({
      actor: 'anonymous',
      action: options.action,
      outcome: 'success',
      requestId: options.requestId,
      registrationId: registration.id,
      detail: { iss: registration.issuer },
    });
    return buildAuthorizationUrl({
      authorizationEndpoint: smart.authorization_endpoint ?? '',
      clientId: registration.clientId,
      redirectUri: this.config.callbackUrl,
      scope,
      state,
      aud: registration.issuer,
      codeChallenge: await computeCodeChallenge(verifier),
      ...(options.launch ? { launch: options.launch } : {}),
      nonce,
    }).toString();
  }

  /**
   * Completes the launch from the EHR's redirect: state checked once, code exchanged, id_token
   * verified, tokens sealed into a new session.
   * @throws LaunchError 400 for a missing, unknown, expired or reused state (nothing is stored),
   *   or for an error the EHR returned; 502 when the EHR's token endpoint misbehaves.
   */
  async complete(callbackUrl: URL, requestId: string): Promise<CompletedLaunch> {
    const state = callbackUrl.searchParams.getAll('state');
    if (state.length !== 1 || !state[0]) {
      throw new LaunchError(
        400,
        'Missing state',
        'The sign-in response has no state parameter, so it cannot be matched to a launch.',
      );
    }
    const pending = await this.consumePending(state[0]);
    const registration = pending.registration;
    const fail = async (reason: string, detail: Record<string, unknown> = {}) =>
      this.audit.record({
        actor: 'anonymous',
        action: 'launch.complete',
        outcome: 'failure',
        requestId,
        registrationId: registration.id,
        detail: { reason, ...detail },
      });

    let code: string;
    try {
      ({ code } = parseAuthorizationCallback(callbackUrl, pending.state));
    } catch (error) {
      if (error instanceof OAuthError) {
        await fail('ehr_error', { error: error.error, description: error.errorDescription });
        throw new LaunchError(
          400,
          'The EHR did not authorise the app',
          `${registration.displayName} answered ${error.error}${error.errorDescription ? `: ${error.errorDescription}` : ''}.`,
        );
      }
      throw error;
    }

    const smart = await this.discover(registration);
    const verifier = this.box.open(pending.codeVerifierCiphertext, `pending:${pending.state}`);
    let tokens: TokenResponse;
    try {
      const tokenRequest = await buildAuthorizationCodeRequest({
        tokenEndpoint: smart.token_endpoint,
        code,
        redirectUri: pending.redirectUri,
        codeVerifier: verifier,
        client: this.ehr.clientAuthentication(registration),
      });
      const send = this.ehr.tokenEndpointFetch(registration, smart.token_endpoint);
      tokens = await processTokenResponse(await send(tokenRequest));
    } catch (error) {
      const description = error instanceof SmartAuthError ? error.message : String(error);
      await fail('token_exchange', { message: description });
      throw new LaunchError(
        502,
        'Sign-in could not be completed',
        `${registration.displayName} refused the code exchange (${description}).`,
      );
    }

    let fhirUser: string | undefined;
    if (tokens.id_token) {
      try {
        const oidc = await this.oidcIssuerAndKeys(registration, smart);
        const claims = await verifyIdToken(tokens.id_token, {
          issuer: oidc.issuer,
          clientId: registration.clientId,
          nonce: pending.nonce,
          jwks: this.jwks(oidc.jwksUri),
        });
        const claimed = typeof claims.fhirUser === 'string' ? claims.fhirUser : undefined;
        // OIDC-06: relative or absolute; only a same-server fhirUser is ever dereferenced.
        fhirUser = claimed ? resolveFhirUser(claimed, registration.issuer).url : undefined;
      } catch (error) {
        const description =
          error instanceof SmartAuthError ? `${error.code}: ${error.message}` : String(error);
        await fail('id_token', { message: description });
        throw new LaunchError(
          502,
          'Sign-in could not be verified',
          `The identity token from ${registration.displayName} failed verification (${description}).`,
        );
      }
    }

    const created = await this.sessions.create({
      registration,
      tokens: tokenSetFromResponse(tokens, Date.now()),
      grantedScope: tokens.scope ?? pending.requestedScope,
      patientId: tokens.patient,
      encounterId: tokens.encounter,
      fhirUser,
      // SMART App Launch 2.2 §launch-context: absent means "show a banner".
      needPatientBanner: tokens.need_patient_banner ?? true,
    });
    await this.audit.record({
      actor: fhirUser ?? registration.clientId,
      action: 'launch.complete',
      outcome: 'success',
      requestId,
      registrationId: registration.id,
      patientId: tokens.patient,
      detail: { grantedScope: tokens.scope ?? null, encounter: tokens.encounter ?? null },
    });
    const appUrl = new URL(pending.returnTo ?? '/', this.config.appPublicUrl);
    appUrl.searchParams.set('session', created.handle);
    return { handle: created.handle, secret: created.secret, appUrl: appUrl.toString() };
  }

  /** STATE-03/05: a state is good for exactly one callback, within its lifetime. */
  private async consumePending(state: string) {
    const now = new Date();
    const consumed = await this.prisma.pendingAuthorization.updateMany({
      where: { state, consumedAt: null, expiresAt: { gt: now } },
      data: { consumedAt: now },
    });
    const pending = await this.prisma.pendingAuthorization.findUnique({
      where: { state },
      include: { registration: true },
    });
    if (!pending) {
      throw new LaunchError(
        400,
        'Unknown state',
        'This sign-in response does not belong to a launch started here.',
      );
    }
    if (consumed.count === 0) {
      const reused = pending.consumedAt !== null;
      throw new LaunchError(
        400,
        reused ? 'Sign-in response already used' : 'Sign-in took too long',
        reused
          ? 'This sign-in response was already used; each one works once.'
          : 'The launch expired before the EHR answered.',
      );
    }
    return pending;
  }

  /**
   * OIDC-05: the id_token issuer and keys. smart-configuration may carry them; otherwise they
   * come from `{iss}/.well-known/openid-configuration` (Epic's issuer is not its FHIR base).
   */
  private async oidcIssuerAndKeys(
    registration: EhrRegistration,
    smart: SmartConfiguration,
  ): Promise<{ issuer: string; jwksUri: string }> {
    if (smart.issuer && smart.jwks_uri) return { issuer: smart.issuer, jwksUri: smart.jwks_uri };
    let pending = this.openIdByIssuer.get(registration.issuer);
    if (!pending) {
      pending = fetch(buildOpenIdConfigurationRequest(registration.issuer)).then((response) =>
        processOpenIdConfigurationResponse(registration.issuer, response),
      );
      pending.catch(() => this.openIdByIssuer.delete(registration.issuer));
      this.openIdByIssuer.set(registration.issuer, pending);
    }
    const oidc = await pending;
    return { issuer: smart.issuer ?? oidc.issuer, jwksUri: smart.jwks_uri ?? oidc.jwks_uri };
  }

  private async discover(
    registration: EhrRegistration,
  ): Promise<SmartConfiguration & { authorization_endpoint?: string }> {
    try {
      const smart = await this.ehr.smartConfiguration(registration);
      if (!smart.code_challenge_methods_supported?.includes('S256')) {
        throw new LaunchError(
          502,
          'EHR does not support PKCE',
          `${registration.displayName} does not advertise PKCE S256, which this app requires.`,
        );
      }
      if (!smart.authorization_endpoint) {
        throw new LaunchError(
          502,
          'EHR discovery incomplete',
          `${registration.displayName} advertises no authorization endpoint.`,
        );
      }
      return smart;
    } catch (error) {
      if (error instanceof LaunchError) throw error;
      this.logger.warn(`Discovery failed for ${registration.issuer}: ${String(error)}`);
      throw new LaunchError(
        502,
        'EHR unreachable',
        `Could not read the SMART configuration of ${registration.displayName} (${registration.issuer}).`,
      );
    }
  }

  private jwks(uri: string): JWTVerifyGetKey {
    let jwks = this.jwksByUri.get(uri);
    if (!jwks) {
      jwks = createRemoteJWKSet(new URL(uri));
      this.jwksByUri.set(uri, jwks);
    }
    return jwks;
  }
}
