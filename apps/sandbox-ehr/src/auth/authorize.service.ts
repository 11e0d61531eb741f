import type { PrismaClient, SandboxClient, SandboxUser } from '@bedside/db';
import { parseScope, serializeScope, toV1 } from '@bedside/scopes';

import type { SandboxConfig } from '../config.js';
import { mergeFaults, type Faults } from './faults.js';
import {
  AccessDeniedError,
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  OAuthServerError,
  UnsupportedResponseTypeError,
} from './oauth-errors.js';
import { isWellFormedS256Challenge } from './pkce.js';
import { vendorProfile, type VendorProfile } from './profiles.js';
import { grantableScopes } from './scope-policy.js';
import { clientSecretMatches, randomToken, sha256 } from './secrets.js';

/** The parameters of an authorization request, from the query (GET) or the form body (POST). */
export type AuthorizeParams = Partial<
  Record<
    | 'response_type'
    | 'client_id'
    | 'redirect_uri'
    | 'scope'
    | 'state'
    | 'aud'
    | 'code_challenge'
    | 'code_challenge_method'
    | 'launch'
    | 'nonce',
    string
  >
>;

/** Where the browser goes next: a redirect, or a page the server shows itself. */
export type AuthorizeOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'page'; status: number; title: string; detail: string };

/** A standalone authorization in progress (login → patient picker → consent). */
export interface PendingAuthorization {
  id: string;
  client: SandboxClient;
  params: AuthorizeParams;
  granted: string[];
  profile: VendorProfile;
  user?: SandboxUser;
  patientId?: string;
  encounterId?: string;
}

interface StoredParams {
  params: AuthorizeParams;
  granted: string[];
  profile: string;
}

const PENDING_TTL_MS = 10 * 60 * 1000;

/**
 * SMART App Launch 2.2 §authorize for the EHR launch and the standalone launch. Validation order
 * matters: until the client and its redirect URI are verified nothing may redirect (RFC 6749
 * §4.1.2.1, AUTHZ-04); after that every failure redirects back with `error`, `error_description`
 * and the exact `state` (AUTHZ-05, STATE-04).
 */
export class AuthorizeService {
  constructor(
    private readonly config: SandboxConfig,
    private readonly prisma: PrismaClient,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * EHR launch: straight to the redirect with a code. Standalone: to the login page.
   * @throws InvalidRedirectUriError when the client or redirect URI cannot be verified.
   */
  async authorize(params: AuthorizeParams): Promise<AuthorizeOutcome> {
    const launch = params.launch
      ? await this.prisma.sandboxLaunch.findUnique({ where: { id: params.launch } })
      : null;
    const { client, redirectUri, faults } = await this.verifyClientAndRedirect(params, launch);
    const profile = vendorProfile(launch?.profile ?? client.profile);
    try {
      const granted = this.checkRequest(params, client, profile, faults, Boolean(params.launch));
      if (params.launch) {
        if (
          !launch ||
          launch.expiresAt.getTime() <= this.now() ||
          launch.clientId !== client.clientId
        ) {
          throw new InvalidRequestError(
            'launch is unknown, expired, or was issued for another app.',
          );
        }
        const user = await this.prisma.sandboxUser.findUnique({ where: { id: launch.userId } });
        const code = await this.issueCode({
          client,
          params,
          redirectUri,
          scope: granted,
          user,
          patientId: launch.patientId,
          encounterId: launch.encounterId,
          // The launcher shows its own patient banner around the app's iframe.
          needPatientBanner: false,
          launchKind: 'ehr',
          profile,
          launchId: launch.id,
        });
        return redirect(redirectUri, { code, state: params.state });
      }
      const id = randomToken(24);
      const stored: StoredParams = { params, granted, profile: profile.name };
      await this.prisma.sandboxAuthorizationRequest.create({
        data: {
          id,
          clientId: client.clientId,
          params: stored as object,
          expiresAt: new Date(this.now() + PENDING_TTL_MS),
        },
      });
      return { kind: 'redirect', location: `${this.config.publicUrl}/auth/login?request=${id}` };
    } catch (error) {
      if (error instanceof AudiencePageError) {
        return { kind: 'page', status: 400, title: error.title, detail: error.detail };
      }
      if (!(error instanceof OAuthServerError)) throw error;
      return redirect(redirectUri, {
        error: error.error,
        error_description: error.description,
        state: params.state,
      });
    }
  }

  /** The pending standalone authorization behind `id`, or undefined when unknown or expired. */
  async pending(id: string | undefined): Promise<PendingAuthorization | undefined> {
    if (!id) return undefined;
    const row = await this.prisma.sandboxAuthorizationRequest.findUnique({ where: { id } });
    if (!row || row.expiresAt.getTime() <= this.now()) return undefined;
    const client = await this.prisma.sandboxClient.findUnique({
      where: { clientId: row.clientId },
    });
    if (!client) return undefined;
    const stored = row.params as unknown as StoredParams;
    const user = row.userId
      ? await this.prisma.sandboxUser.findUnique({ where: { id: row.userId } })
      : null;
    return {
      id,
      client,
      params: stored.params,
      granted: stored.granted,
      profile: vendorProfile(stored.profile),
      ...(user ? { user } : {}),
      ...(row.patientId ? { patientId: row.patientId } : {}),
      ...(row.encounterId ? { encounterId: row.encounterId } : {}),
    };
  }

  /** @returns the user when username and password match, else undefined. */
  async login(
    pending: PendingAuthorization,
    username: string,
    password: string,
  ): Promise<SandboxUser | undefined> {
    const user = await this.prisma.sandboxUser.findUnique({ where: { username } });
    if (!user?.passwordHash || !clientSecretMatches(password, user.passwordHash)) return undefined;
    // LAUNCH-06: a patient who signs in is the patient in context.
    const ownPatient = user.fhirUser.startsWith('Patient/') ? user.fhirUser.slice(8) : undefined;
    await this.prisma.sandboxAuthorizationRequest.update({
      where: { id: pending.id },
      data: { userId: user.id, ...(ownPatient ? { patientId: ownPatient } : {}) },
    });
    return user;
  }

  async selectPatient(pending: PendingAuthorization, patientId: string): Promise<void> {
    await this.prisma.sandboxAuthorizationRequest.update({
      where: { id: pending.id },
      data: { patientId },
    });
  }

  /**
   * The step after login: the patient picker when patient context is needed and missing
   * (LAUNCH-05/06), else the consent screen. `launch/encounter` takes the patient's latest
   * encounter (context-standalone-encounter).
   */
  async nextStep(pending: PendingAuthorization): Promise<string> {
    const base = `${this.config.publicUrl}/auth`;
    if (!pending.user) return `${base}/login?request=${pending.id}`;
    if (needsPatient(pending.granted) && !pending.patientId) {
      return `${base}/select-patient?request=${pending.id}`;
    }
    if (pending.granted.includes('launch/encounter') && pending.patientId && !pending.encounterId) {
      const encounter = await this.prisma.fhirResource.findFirst({
        where: {
          resourceType: 'Encounter',
          content: { path: ['subject', 'reference'], equals: `Patient/${pending.patientId}` },
        },
        orderBy: { lastUpdated: 'desc' },
      });
      if (encounter) {
        await this.prisma.sandboxAuthorizationRequest.update({
          where: { id: pending.id },
          data: { encounterId: encounter.id },
        });
      }
    }
    return `${base}/consent?request=${pending.id}`;
  }

  /**
   * The consent decision: the scopes the user left checked are granted (SCOPE-04: the token
   * response says what was granted); a refusal or nothing checked is `access_denied`.
   */
  async decide(
    pending: PendingAuthorization,
    approve: boolean,
    checked: string[],
  ): Promise<string> {
    const params = pending.params;
    const redirectUri = params.redirect_uri ?? '';
    await this.prisma.sandboxAuthorizationRequest.delete({ where: { id: pending.id } });
    try {
      if (!pending.user) throw new AccessDeniedError('The user did not sign in.');
      if (!approve) throw new AccessDeniedError('The user denied the request.');
      const scope = pending.granted.filter((scope) => checked.includes(scope));
      if (scope.length === 0) throw new AccessDeniedError('The user granted no scope.');
      const code = await this.issueCode({
        client: pending.client,
        params,
        redirectUri,
        scope,
        user: pending.user,
        patientId: pending.patientId ?? null,
        encounterId: pending.encounterId ?? null,
        needPatientBanner: true,
        launchKind: 'standalone',
        profile: pending.profile,
        launchId: null,
      });
      return redirect(redirectUri, { code, state: params.state }).location;
    } catch (error) {
      if (!(error instanceof OAuthServerError)) throw error;
      return redirect(redirectUri, {
        error: error.error,
        error_description: error.description,
        state: params.state,
      }).location;
    }
  }

  private async verifyClientAndRedirect(
    params: AuthorizeParams,
    launch: { clientId: string; faults: unknown } | null,
  ): Promise<{ client: SandboxClient; redirectUri: string; faults: Faults }> {
    if (!params.client_id) {
      throw new InvalidRedirectUriError('Missing client_id', 'The request has no client_id.');
    }
    const client = await this.prisma.sandboxClient.findUnique({
      where: { clientId: params.client_id },
    });
    if (!client) {
      throw new InvalidRedirectUriError(
        'Unknown client',
        `No app is registered with client_id "${params.client_id}".`,
      );
    }
    const faults = mergeFaults(
      client.faults,
      launch?.clientId === client.clientId ? launch.faults : undefined,
    );
    if (faults.simulatedError === 'auth_invalid_client_id') {
      throw new InvalidRedirectUriError(
        'Unknown client',
        `No app is registered with client_id "${params.client_id}" (simulated error).`,
      );
    }
    if (!params.redirect_uri) {
      throw new InvalidRedirectUriError('Missing redirect_uri', 'The request has no redirect_uri.');
    }
    // RFC 9700 §4.1.3 and AUTHZ-04: redirect URIs are compared as exact strings.
    if (
      !client.redirectUris.includes(params.redirect_uri) ||
      faults.simulatedError === 'auth_invalid_redirect_uri'
    ) {
      throw new InvalidRedirectUriError(
        'Unregistered redirect_uri',
        `"${params.redirect_uri}" is not a redirect URI registered for client "${client.clientId}"${
          faults.simulatedError === 'auth_invalid_redirect_uri' ? ' (simulated error)' : ''
        }.`,
      );
    }
    return { client, redirectUri: params.redirect_uri, faults };
  }

  /** @returns the scopes that may be granted. @throws OAuthServerError (redirected). */
  private checkRequest(
    params: AuthorizeParams,
    client: SandboxClient,
    profile: VendorProfile,
    faults: Faults,
    ehrLaunch: boolean,
  ): string[] {
    if (params.response_type !== 'code') {
      throw new UnsupportedResponseTypeError(
        `response_type must be "code" (got "${params.response_type ?? ''}").`,
      );
    }
    if (!params.state) throw new InvalidRequestError('state is required (SMART App Launch 2.2).');
    // PKCE-02: S256 SHALL be supported and plain SHALL NOT be, under every profile.
    if (params.code_challenge_method !== undefined && params.code_challenge_method !== 'S256') {
      throw new InvalidRequestError(
        `code_challenge_method must be S256 (got "${params.code_challenge_method}"); plain is not supported.`,
      );
    }
    if (params.code_challenge !== undefined || profile.pkceRequired) {
      // PKCE-06: SMART 2 requires PKCE. Row 19 (Epic, DOC E1,E2): optional under the epic profile.
      if (params.code_challenge_method !== 'S256') {
        throw new InvalidRequestError('code_challenge_method must be S256; PKCE is required.');
      }
      if (!params.code_challenge || !isWellFormedS256Challenge(params.code_challenge)) {
        throw new InvalidRequestError(
          'code_challenge must be a 43-character base64url S256 value.',
        );
      }
    }
    const requested = [...new Set((params.scope ?? '').split(' ').filter(Boolean))];
    const launchScopes = requested.some((scope) => scope.startsWith('launch'));
    // AUTHZ-03: `aud` must name this FHIR server, exactly (no slash or scheme normalisation).
    const audienceOptional =
      !ehrLaunch && profile.audienceOptionalWithoutLaunchScopes && !launchScopes && !params.aud;
    if (!audienceOptional && params.aud !== this.config.fhirBaseUrl) {
      if (profile.badAudienceAsPage) {
        // Row 9 (Epic, DOC E1,E2): a bad aud shows Epic's generic HTML error, no redirect.
        throw new AudiencePageError(
          'Something went wrong trying to authorize the client',
          `aud "${params.aud ?? ''}" is not this FHIR server. Please try logging in again.`,
        );
      }
      throw new InvalidTargetError(
        `aud "${params.aud ?? ''}" is not this FHIR server; expected "${this.config.fhirBaseUrl}".`,
      );
    }
    if (faults.simulatedError === 'auth_invalid_scope') {
      throw new InvalidScopeError('Invalid scope (simulated error).');
    }
    if (ehrLaunch && !requested.includes('launch')) {
      throw new InvalidScopeError('An EHR launch must request the "launch" scope.');
    }
    if (!ehrLaunch && requested.includes('launch')) {
      throw new InvalidScopeError('The "launch" scope needs a launch parameter (EHR launch).');
    }
    // Row 17 (Oracle, DOC C1): too many scopes is an error.
    if (
      profile.maxScopeLength !== undefined &&
      (params.scope ?? '').length > profile.maxScopeLength
    ) {
      throw new InvalidScopeError(
        `The scope string is longer than ${profile.maxScopeLength} characters.`,
      );
    }
    // Row 16 (Oracle DOC C1, athena ISSUE O9): wildcard resource scopes are refused.
    if (
      profile.rejectWildcardScopes &&
      requested.some((scope) => /^(patient|user|system)\/\*/.test(scope))
    ) {
      throw new InvalidScopeError('Wildcard scopes are not supported; name each resource type.');
    }
    let candidates = requested;
    // Row 15 (Epic, DOC E1): apps registered for SMART v1 get v1 scopes, whatever they ask.
    if (profile.v1ScopesForV1Apps && client.scopeVersion === 'v1') {
      candidates = requested.map(toV1Text);
    }
    const granted = grantableScopes(candidates, client.allowedScope.split(' '), {
      // REFRESH-01: online_access only in an EHR launch.
      onlineAccess: ehrLaunch,
      offlineAccess: client.clientType !== 'public' || profile.refreshForPublicClients,
    });
    if (granted.length === 0) {
      throw new InvalidScopeError('None of the requested scopes may be granted to this app.');
    }
    return granted;
  }

  private async issueCode(grant: {
    client: SandboxClient;
    params: AuthorizeParams;
    redirectUri: string;
    scope: string[];
    user: SandboxUser | null;
    patientId: string | null;
    encounterId: string | null;
    needPatientBanner: boolean;
    launchKind: 'ehr' | 'standalone';
    profile: VendorProfile;
    launchId: string | null;
  }): Promise<string> {
    const code = randomToken(32);
    await this.prisma.sandboxAuthorizationCode.create({
      data: {
        codeHash: sha256(code),
        clientId: grant.client.clientId,
        redirectUri: grant.redirectUri,
        codeChallenge: grant.params.code_challenge ?? '',
        scope: grant.scope.join(' '),
        userId: grant.user?.id ?? null,
        fhirUser: grant.user?.fhirUser ?? null,
        patientId: grant.patientId,
        encounterId: grant.encounterId,
        nonce: grant.params.nonce ?? null,
        needPatientBanner: grant.needPatientBanner,
        launchKind: grant.launchKind,
        profile: grant.profile.name,
        launchId: grant.launchId,
        expiresAt: new Date(this.now() + this.config.codeTtlSeconds * 1000),
      },
    });
    return code;
  }
}

/** Row 9 (Epic): some profiles show a page for a bad `aud` instead of redirecting. */
class AudiencePageError extends Error {
  constructor(
    readonly title: string,
    readonly detail: string,
  ) {
    super(title);
  }
}

/** LAUNCH-06: patient-level scopes need a patient in context. */
function needsPatient(granted: readonly string[]): boolean {
  return granted.some((scope) => scope === 'launch/patient' || scope.startsWith('patient/'));
}

/** Row 15: the v1 spelling of a scope (`patient/Observation.rs` → `patient/Observation.read`). */
function toV1Text(text: string): string {
  try {
    return serializeScope(toV1(parseScope(text)).scope);
  } catch {
    return text;
  }
}

function redirect(
  base: string,
  params: Record<string, string | undefined>,
): { kind: 'redirect'; location: string } {
  // AUTHZ-06: keep the redirect URI's own query and append ours.
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  return { kind: 'redirect', location: url.toString() };
}
