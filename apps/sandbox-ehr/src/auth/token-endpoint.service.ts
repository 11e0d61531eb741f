import type { PrismaClient, SandboxClient } from '@bedside/db';

import {
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  UnsupportedGrantTypeError,
} from './oauth-errors.js';
import { isWellFormedVerifier, verifierMatchesChallenge } from './pkce.js';
import { clientSecretMatches, sha256 } from './secrets.js';
import type { TokenService } from './tokens.js';

export type TokenForm = Record<string, string | undefined>;

/** The JSON body of a successful token response (SMART App Launch 2.2 §token, TOKEN-03). */
export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
  need_patient_banner?: boolean;
  smart_style_url?: string;
}

/**
 * The token endpoint's authorization_code grant. A code is consumed before anything else is
 * checked, so a failed attempt (wrong verifier, wrong redirect URI) still burns it: an attacker
 * holding a stolen code gets exactly one guess (RFC 6749 §4.1.2, RFC 7636 §4.6).
 */
export class TokenEndpointService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly tokens: TokenService,
    private readonly smartStyleUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @throws OAuthServerError subclasses carrying the RFC 6749 §5.2 code and HTTP status.
   */
  async exchange(form: TokenForm, authorization: string | undefined): Promise<TokenResponseBody> {
    const grantType = form['grant_type'];
    if (!grantType) throw new InvalidRequestError('grant_type is required.');
    if (grantType !== 'authorization_code') {
      throw new UnsupportedGrantTypeError(`grant_type "${grantType}" is not supported here.`);
    }
    const client = await this.authenticateClient(form, authorization);
    const code = form['code'];
    if (!code) throw new InvalidRequestError('code is required.');
    if (!form['redirect_uri']) throw new InvalidRequestError('redirect_uri is required.');
    const verifier = form['code_verifier'];
    if (!verifier) throw new InvalidRequestError('code_verifier is required (PKCE).');
    if (!isWellFormedVerifier(verifier)) {
      throw new InvalidRequestError(
        'code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).',
      );
    }

    const codeHash = sha256(code);
    const consumed = await this.prisma.sandboxAuthorizationCode.updateMany({
      where: { codeHash, consumedAt: null },
      data: { consumedAt: new Date(this.now()) },
    });
    const grant = await this.prisma.sandboxAuthorizationCode.findUnique({ where: { codeHash } });
    if (!grant) throw new InvalidGrantError('The authorization code is unknown.');
    if (consumed.count === 0)
      throw new InvalidGrantError('The authorization code was already used.');
    if (grant.expiresAt.getTime() <= this.now()) {
      throw new InvalidGrantError('The authorization code expired.');
    }
    if (grant.clientId !== client.clientId) {
      throw new InvalidGrantError('The authorization code was issued to another client.');
    }
    if (grant.redirectUri !== form['redirect_uri']) {
      throw new InvalidGrantError('redirect_uri does not match the authorization request.');
    }
    if (!verifierMatchesChallenge(verifier, grant.codeChallenge)) {
      throw new InvalidGrantError('code_verifier does not match the code_challenge.');
    }

    const scopes = grant.scope.split(' ');
    const { accessToken, expiresIn } = await this.tokens.issueAccessToken({
      sub: grant.userId ?? client.clientId,
      client_id: client.clientId,
      scope: grant.scope,
      ...(grant.patientId ? { patient: grant.patientId } : {}),
      ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
      ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
    });
    const wantsIdToken =
      scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'));
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: grant.scope,
      ...(wantsIdToken && grant.userId
        ? {
            id_token: await this.tokens.issueIdToken({
              clientId: client.clientId,
              subject: grant.userId,
              ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
              ...(grant.nonce ? { nonce: grant.nonce } : {}),
            }),
          }
        : {}),
      ...(grant.patientId ? { patient: grant.patientId } : {}),
      ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
      need_patient_banner: grant.needPatientBanner,
      smart_style_url: this.smartStyleUrl,
    };
  }

  /**
   * TOKEN-02: public clients name themselves with `client_id`; confidential symmetric clients
   * authenticate with HTTP Basic (or `client_secret_post`). Every failure is `invalid_client`.
   */
  private async authenticateClient(
    form: TokenForm,
    authorization: string | undefined,
  ): Promise<SandboxClient> {
    const basic = parseBasic(authorization);
    const clientId = basic?.clientId ?? form['client_id'];
    if (!clientId) throw new InvalidClientError('Client authentication is missing.', false);
    if (basic && form['client_id'] && form['client_id'] !== basic.clientId) {
      throw new InvalidClientError(
        'client_id in the body differs from the Basic credentials.',
        true,
      );
    }
    const client = await this.prisma.sandboxClient.findUnique({ where: { clientId } });
    if (!client) throw new InvalidClientError(`Unknown client "${clientId}".`, Boolean(basic));
    switch (client.clientType) {
      case 'public':
        if (basic || form['client_secret']) {
          throw new InvalidClientError(
            'Public clients do not authenticate with a secret.',
            Boolean(basic),
          );
        }
        return client;
      case 'confidential-symmetric': {
        const secret = basic?.clientSecret ?? form['client_secret'];
        if (!secret || !client.secretHash || !clientSecretMatches(secret, client.secretHash)) {
          throw new InvalidClientError('Client authentication failed.', Boolean(basic));
        }
        return client;
      }
      default:
        throw new InvalidClientError(
          `Client type "${client.clientType}" cannot use the authorization_code grant here.`,
          Boolean(basic),
        );
    }
  }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64. */
function parseBasic(
  authorization: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  if (!authorization?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}
