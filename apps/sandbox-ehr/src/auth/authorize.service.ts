import type { PrismaClient, SandboxClient } from '@bedside/db';

import type { SandboxConfig } from '../config.js';
import {
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  OAuthServerError,
  UnsupportedResponseTypeError,
} from './oauth-errors.js';
import { isWellFormedS256Challenge } from './pkce.js';
import { grantableScopes } from './scope-policy.js';
import { randomToken, sha256 } from './secrets.js';

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

/**
 * SMART App Launch 2.2 §authorize for the EHR launch. Validation order matters: until the client
 * and its redirect URI are verified nothing may redirect (RFC 6749 §4.1.2.1, AUTHZ-04); after
 * that every failure redirects back with `error`, `error_description` and the exact `state`.
 */
export class AuthorizeService {
  constructor(
    private readonly config: SandboxConfig,
    private readonly prisma: PrismaClient,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @returns the URL to redirect the browser to: the client's redirect URI with `code` or `error`.
   * @throws InvalidRedirectUriError when the client or redirect URI cannot be verified.
   */
  async authorize(params: AuthorizeParams): Promise<string> {
    const { client, redirectUri } = await this.verifyClientAndRedirect(params);
    try {
      const code = await this.issueCode(params, client, redirectUri);
      return appendQuery(redirectUri, { code, state: params.state });
    } catch (error) {
      if (!(error instanceof OAuthServerError)) throw error;
      return appendQuery(redirectUri, {
        error: error.error,
        error_description: error.description,
        state: params.state,
      });
    }
  }

  private async verifyClientAndRedirect(
    params: AuthorizeParams,
  ): Promise<{ client: SandboxClient; redirectUri: string }> {
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
    if (!params.redirect_uri) {
      throw new InvalidRedirectUriError('Missing redirect_uri', 'The request has no redirect_uri.');
    }
    // RFC 9700 §4.1.3 and AUTHZ-04: redirect URIs are compared as exact strings.
    if (!client.redirectUris.includes(params.redirect_uri)) {
      throw new InvalidRedirectUriError(
        'Unregistered redirect_uri',
        `"${params.redirect_uri}" is not a redirect URI registered for client "${client.clientId}".`,
      );
    }
    return { client, redirectUri: params.redirect_uri };
  }

  private async issueCode(
    params: AuthorizeParams,
    client: SandboxClient,
    redirectUri: string,
  ): Promise<string> {
    if (params.response_type !== 'code') {
      throw new UnsupportedResponseTypeError(
        `response_type must be "code" (got "${params.response_type ?? ''}").`,
      );
    }
    if (!params.state) throw new InvalidRequestError('state is required (SMART App Launch 2.2).');
    // SMART App Launch 2.2 §PKCE: S256 SHALL be supported and plain SHALL NOT be.
    if (params.code_challenge_method !== 'S256') {
      throw new InvalidRequestError(
        `code_challenge_method must be S256 (got "${params.code_challenge_method ?? ''}"); plain is not supported.`,
      );
    }
    if (!params.code_challenge || !isWellFormedS256Challenge(params.code_challenge)) {
      throw new InvalidRequestError('code_challenge must be a 43-character base64url S256 value.');
    }
    // SMART App Launch 2.2 §authorize: `aud` must name this FHIR server, exactly.
    if (params.aud !== this.config.fhirBaseUrl) {
      throw new InvalidTargetError(
        `aud "${params.aud ?? ''}" is not this FHIR server; expected "${this.config.fhirBaseUrl}".`,
      );
    }
    const requested = (params.scope ?? '').split(' ').filter(Boolean);
    if (!params.launch) {
      throw new InvalidRequestError(
        'This authorization server needs a launch parameter: start the app from the sandbox launcher.',
      );
    }
    const launch = await this.prisma.sandboxLaunch.findUnique({ where: { id: params.launch } });
    if (
      !launch ||
      launch.expiresAt.getTime() <= this.now() ||
      launch.clientId !== client.clientId
    ) {
      throw new InvalidRequestError('launch is unknown, expired, or was issued for another app.');
    }
    if (!requested.includes('launch')) {
      throw new InvalidScopeError('An EHR launch must request the "launch" scope.');
    }
    const granted = grantableScopes(requested, client.allowedScope.split(' '));
    if (granted.length === 0) {
      throw new InvalidScopeError('None of the requested scopes may be granted to this app.');
    }
    const user = await this.prisma.sandboxUser.findUnique({ where: { id: launch.userId } });
    const code = randomToken(32);
    await this.prisma.sandboxAuthorizationCode.create({
      data: {
        codeHash: sha256(code),
        clientId: client.clientId,
        redirectUri,
        codeChallenge: params.code_challenge,
        scope: granted.join(' '),
        userId: user?.id ?? null,
        fhirUser: user?.fhirUser ?? null,
        patientId: launch.patientId,
        encounterId: launch.encounterId,
        nonce: params.nonce ?? null,
        // The launcher shows its own patient banner around the app's iframe.
        needPatientBanner: false,
        expiresAt: new Date(this.now() + this.config.codeTtlSeconds * 1000),
      },
    });
    return code;
  }
}

function appendQuery(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  return url.toString();
}
