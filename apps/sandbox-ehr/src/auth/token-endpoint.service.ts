import type { PrismaClient, SandboxClient } from '@bedside/db';
import { isSubset, parseScopesLenient } from '@bedside/scopes';

import type { SandboxConfig } from '../config.js';
import { ClientAuthenticator, findClient, type AuthenticatedClient } from './client-auth.js';
import { mergeFaults, readFaults, type Faults } from './faults.js';
import {
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from './oauth-errors.js';
import { isWellFormedVerifier, verifierMatchesChallenge } from './pkce.js';
import { vendorProfile, type VendorProfile } from './profiles.js';
import { randomToken, sha256 } from './secrets.js';
import type { AccessTokenClaims, TokenService } from './tokens.js';

export type TokenForm = Record<string, string | undefined>;

/** The JSON body of a successful token response (SMART App Launch 2.2 §token, TOKEN-03). */
export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
  patient?: string;
  encounter?: string;
  need_patient_banner?: boolean | string;
  smart_style_url?: string;
  [extra: string]: unknown;
}

/** What the token endpoint knows about a request before running it (faults, profile, limits). */
export interface TokenRequestContext {
  clientId?: string;
  client?: SandboxClient;
  profile: VendorProfile;
  faults: Faults;
}

const SUPPORTED_GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

/**
 * The token endpoint's grants: authorization_code (one use, bound to client, redirect URI and
 * verifier), refresh_token (rotation with reuse detection, scope narrowing) and
 * client_credentials (private_key_jwt only). See: SMART App Launch 2.2 §token, §backend-services.
 */
export class TokenEndpointService {
  private readonly authenticator: ClientAuthenticator;

  constructor(
    private readonly config: SandboxConfig,
    private readonly prisma: PrismaClient,
    private readonly tokens: TokenService,
    private readonly smartStyleUrl: string,
    private readonly now: () => number = Date.now,
    authenticator?: ClientAuthenticator,
  ) {
    this.authenticator =
      authenticator ?? new ClientAuthenticator(prisma, `${config.publicUrl}/auth/token`, now);
  }

  get clientAuthenticator(): ClientAuthenticator {
    return this.authenticator;
  }

  /**
   * The client, profile and faults a token request runs under: client faults, overridden by the
   * faults of the launch behind an authorization code or refresh token.
   */
  async context(form: TokenForm, authorization: string | undefined): Promise<TokenRequestContext> {
    const clientId = ClientAuthenticator.claimedClientId(form, authorization);
    const client = clientId ? await findClient(this.prisma, clientId) : null;
    let profileName = client?.profile;
    let launchId: string | null | undefined;
    if (form['grant_type'] === 'authorization_code' && form['code']) {
      const code = await this.prisma.sandboxAuthorizationCode.findUnique({
        where: { codeHash: sha256(form['code']) },
        select: { profile: true, launchId: true },
      });
      profileName = code?.profile ?? profileName;
      launchId = code?.launchId;
    } else if (form['grant_type'] === 'refresh_token' && form['refresh_token']) {
      const token = await this.prisma.sandboxRefreshToken.findUnique({
        where: { tokenHash: sha256(form['refresh_token']) },
        select: { profile: true, launchId: true },
      });
      profileName = token?.profile ?? profileName;
      launchId = token?.launchId;
    }
    const launch = launchId
      ? await this.prisma.sandboxLaunch.findUnique({
          where: { id: launchId },
          select: { faults: true },
        })
      : null;
    return {
      ...(clientId ? { clientId } : {}),
      ...(client ? { client } : {}),
      profile: vendorProfile(profileName),
      faults: launch ? mergeFaults(client?.faults, launch.faults) : readFaults(client?.faults),
    };
  }

  /**
   * @throws OAuthServerError subclasses carrying the RFC 6749 §5.2 code and HTTP status.
   */
  async exchange(
    form: TokenForm,
    authorization: string | undefined,
    context: TokenRequestContext,
  ): Promise<TokenResponseBody> {
    const grantType = form['grant_type'];
    if (!grantType) throw new InvalidRequestError('grant_type is required.');
    if (!(SUPPORTED_GRANTS as readonly string[]).includes(grantType)) {
      throw new UnsupportedGrantTypeError(`grant_type "${grantType}" is not supported here.`);
    }
    if (context.faults.simulatedError === 'token_invalid_token') {
      throw new InvalidClientError('Invalid token (simulated error).');
    }
    const authenticated =
      (await this.publicRefreshClient(form, authorization)) ??
      (await this.authenticator.authenticate(form, authorization, {
        profileFor: (client) =>
          context.client?.clientId === client.clientId
            ? context.profile
            : vendorProfile(client.profile),
        faults: context.faults,
        ...(context.client ? { knownClient: context.client } : {}),
      }));
    switch (grantType) {
      case 'authorization_code':
        return this.authorizationCode(form, authenticated, context);
      case 'refresh_token':
        return this.refreshToken(form, authenticated, context);
      default:
        return this.clientCredentials(form, authenticated, context);
    }
  }

  /**
   * RFC 6749 §6: a public client refreshing need not identify itself (fhirclient sends only
   * `grant_type` and `refresh_token`); the token names its client, which must be public.
   */
  private async publicRefreshClient(
    form: TokenForm,
    authorization: string | undefined,
  ): Promise<AuthenticatedClient | undefined> {
    if (form['grant_type'] !== 'refresh_token' || !form['refresh_token']) return undefined;
    if (ClientAuthenticator.claimedClientId(form, authorization) || form['client_secret']) {
      return undefined;
    }
    const token = await this.prisma.sandboxRefreshToken.findUnique({
      where: { tokenHash: sha256(form['refresh_token']) },
      select: { clientId: true },
    });
    const client = token
      ? await this.prisma.sandboxClient.findUnique({ where: { clientId: token.clientId } })
      : null;
    return client?.clientType === 'public' ? { client, method: 'none' } : undefined;
  }

  private async authorizationCode(
    form: TokenForm,
    { client, method }: AuthenticatedClient,
    { profile, faults }: TokenRequestContext,
  ): Promise<TokenResponseBody> {
    if (method === 'private_key_jwt' && client.clientType === 'backend-service') {
      throw new UnauthorizedClientError('Backend-service clients use client_credentials only.');
    }
    const code = form['code'];
    if (!code) throw new InvalidRequestError('code is required.');
    if (!form['redirect_uri']) throw new InvalidRequestError('redirect_uri is required.');
    const verifier = form['code_verifier'];

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
    // PKCE-03/04: a code bound to a challenge needs the matching verifier. Only profiles where
    // PKCE is optional (Epic, row 19) issue codes without a challenge.
    if (grant.codeChallenge || verifier !== undefined) {
      if (!verifier) throw new InvalidRequestError('code_verifier is required (PKCE).');
      if (!isWellFormedVerifier(verifier)) {
        throw new InvalidRequestError(
          'code_verifier must be 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).',
        );
      }
      if (!verifierMatchesChallenge(verifier, grant.codeChallenge)) {
        throw new InvalidGrantError('code_verifier does not match the code_challenge.');
      }
    }

    const scopes = grant.scope.split(' ');
    const familyId = randomToken(16);
    const wantsRefresh = scopes.includes('offline_access') || scopes.includes('online_access');
    const refreshToken = wantsRefresh
      ? await this.createRefreshToken({
          familyId,
          clientId: client.clientId,
          scope: grant.scope,
          grantScope: grant.scope,
          userId: grant.userId,
          fhirUser: grant.fhirUser,
          patientId: grant.patientId,
          encounterId: grant.encounterId,
          profile: profile.name,
          launchId: grant.launchId,
          online: !scopes.includes('offline_access'),
        })
      : undefined;
    const { accessToken, expiresIn } = await this.tokens.issueAccessToken(
      {
        sub: grant.userId ?? client.clientId,
        client_id: client.clientId,
        scope: grant.scope,
        ...(grant.patientId ? { patient: grant.patientId } : {}),
        ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
        ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
        ...(refreshToken ? { fid: familyId } : {}),
        ...simulatedRequestError(faults),
      },
      faults.accessTokenTtlSeconds ?? profile.accessTokenTtlSeconds,
    );
    const wantsIdToken =
      scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'));
    const fhirUser =
      grant.fhirUser && profile.absoluteFhirUser
        ? `${this.config.fhirBaseUrl}/${grant.fhirUser}`
        : grant.fhirUser;
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: formatScope(grant.scope, profile),
      ...(wantsIdToken && grant.userId
        ? {
            id_token: await this.tokens.issueIdToken({
              clientId: client.clientId,
              subject: grant.userId,
              ...(fhirUser ? { fhirUser } : {}),
              ...(grant.nonce ? { nonce: grant.nonce } : {}),
            }),
          }
        : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(grant.patientId ? { patient: grant.patientId } : {}),
      ...(grant.encounterId ? { encounter: grant.encounterId } : {}),
      need_patient_banner: profile.needPatientBannerAsString
        ? String(grant.needPatientBanner)
        : grant.needPatientBanner,
      smart_style_url: this.smartStyleUrl,
      ...profile.tokenExtras({
        ...(grant.patientId ? { patient: grant.patientId } : {}),
        ...(grant.fhirUser ? { user: grant.fhirUser } : {}),
      }),
    };
  }

  /**
   * REFRESH-03..06: the token is consumed and a new one of the same family issued (unless the
   * profile never rotates); presenting a consumed token revokes the family and every access
   * token issued from it.
   */
  private async refreshToken(
    form: TokenForm,
    { client }: AuthenticatedClient,
    { profile, faults }: TokenRequestContext,
  ): Promise<TokenResponseBody> {
    const presented = form['refresh_token'];
    if (!presented) throw new InvalidRequestError('refresh_token is required.');
    const tokenHash = sha256(presented);
    const token = await this.prisma.sandboxRefreshToken.findUnique({ where: { tokenHash } });
    if (!token) throw new InvalidGrantError('The refresh token is unknown.');
    if (token.revokedAt) throw new InvalidGrantError('The refresh token was revoked.');
    if (token.clientId !== client.clientId) {
      throw new InvalidGrantError('The refresh token was issued to another client.');
    }
    if (token.consumedAt) {
      if (profile.reuseRevokesFamily) {
        await this.revokeFamily(token.familyId);
        throw new InvalidGrantError(
          'The refresh token was already used; the whole grant is now revoked.',
        );
      }
      // Row 27 (eCW, 3P W1): single-use refresh tokens; the old one is just refused.
      throw new InvalidGrantError('The refresh token was already used.');
    }
    if (token.expiresAt.getTime() <= this.now()) {
      throw new InvalidGrantError('The refresh token expired.');
    }
    if (faults.simulatedError === 'token_expired_refresh_token') {
      throw new InvalidGrantError('Expired refresh token (simulated error).');
    }
    if (faults.refreshRefused) throw new InvalidGrantError('Refresh refused (fault injection).');
    // Row 28 (athena, ISSUE O8): the refresh request must carry `scope`.
    if (profile.refreshRequiresScope && !form['scope']) {
      throw new InvalidRequestError('scope is required on refresh.');
    }
    // Row 29 (Oracle, DOC C1): refresh at most once a minute per grant.
    const lastUse = token.lastUsedAt ?? token.createdAt;
    if (
      profile.refreshMinIntervalSeconds > 0 &&
      this.now() - lastUse.getTime() < profile.refreshMinIntervalSeconds * 1000
    ) {
      throw new InvalidRequestError(
        `Refresh is limited to once every ${profile.refreshMinIntervalSeconds} seconds.`,
      );
    }
    const scope = form['scope'] ? narrowScope(form['scope'], token.grantScope) : token.scope;

    const rotate = profile.refreshRotation === 'always';
    const updated = await this.prisma.sandboxRefreshToken.updateMany({
      where: { tokenHash, consumedAt: null, revokedAt: null },
      data: rotate ? { consumedAt: new Date(this.now()) } : { lastUsedAt: new Date(this.now()) },
    });
    if (updated.count === 0) {
      // Lost a race against another use of the same token: that is reuse too.
      if (profile.reuseRevokesFamily) await this.revokeFamily(token.familyId);
      throw new InvalidGrantError('The refresh token was already used.');
    }
    const next = rotate
      ? await this.createRefreshToken({
          familyId: token.familyId,
          clientId: token.clientId,
          scope,
          grantScope: token.grantScope,
          userId: token.userId,
          fhirUser: token.fhirUser,
          patientId: token.patientId,
          encounterId: token.encounterId,
          profile: token.profile,
          launchId: token.launchId,
          online: !token.grantScope.split(' ').includes('offline_access'),
        })
      : undefined;
    const { accessToken, expiresIn } = await this.tokens.issueAccessToken(
      {
        sub: token.userId ?? client.clientId,
        client_id: client.clientId,
        scope,
        ...(token.patientId ? { patient: token.patientId } : {}),
        ...(token.encounterId ? { encounter: token.encounterId } : {}),
        ...(token.fhirUser ? { fhirUser: token.fhirUser } : {}),
        fid: token.familyId,
        ...simulatedRequestError(faults),
      },
      faults.accessTokenTtlSeconds ?? profile.accessTokenTtlSeconds,
    );
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: formatScope(scope, profile),
      ...(next ? { refresh_token: next } : {}),
      ...(token.patientId ? { patient: token.patientId } : {}),
      ...(token.encounterId ? { encounter: token.encounterId } : {}),
    };
  }

  /** SMART App Launch 2.2 §backend-services: private_key_jwt, system scopes, no refresh token. */
  private async clientCredentials(
    form: TokenForm,
    { client, method }: AuthenticatedClient,
    { profile, faults }: TokenRequestContext,
  ): Promise<TokenResponseBody> {
    if (method !== 'private_key_jwt') {
      throw new UnauthorizedClientError('client_credentials needs private_key_jwt authentication.');
    }
    if (faults.simulatedError === 'token_invalid_scope') {
      throw new InvalidScopeError('Invalid scope (simulated error).');
    }
    const allowed = client.allowedScope.split(' ').filter((scope) => scope.startsWith('system/'));
    let requested = (form['scope'] ?? '').split(' ').filter(Boolean);
    if (requested.length === 0) {
      // Row 33 (Epic, DOC E1): backend requests carry no scope; the registration decides.
      if (!profile.backendScopeOptional) throw new InvalidScopeError('scope is required.');
      requested = allowed;
    }
    const refused = requested.filter((scope) => !allowed.includes(scope));
    // BS-05: every requested scope must be pre-authorized for this client.
    if (refused.length > 0 || requested.length === 0) {
      throw new InvalidScopeError(
        `Not authorized for this client: ${refused.join(' ') || '(no system scopes registered)'}.`,
      );
    }
    const scope = [...new Set(requested)].join(' ');
    const { accessToken, expiresIn } = await this.tokens.issueAccessToken(
      { sub: client.clientId, client_id: client.clientId, scope, ...simulatedRequestError(faults) },
      faults.accessTokenTtlSeconds ?? profile.backendAccessTokenTtlSeconds,
    );
    // REFRESH-07: no refresh token for backend services.
    return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope };
  }

  private async createRefreshToken(data: {
    familyId: string;
    clientId: string;
    scope: string;
    grantScope: string;
    userId: string | null;
    fhirUser: string | null;
    patientId: string | null;
    encounterId: string | null;
    profile: string;
    launchId: string | null;
    online: boolean;
  }): Promise<string> {
    const token = randomToken(32);
    const { online, ...rest } = data;
    await this.prisma.sandboxRefreshToken.create({
      data: {
        ...rest,
        tokenHash: sha256(token),
        createdAt: new Date(this.now()),
        expiresAt: new Date(
          this.now() +
            (online ? this.config.launchTtlSeconds : this.config.refreshTokenTtlSeconds) * 1000,
        ),
      },
    });
    return token;
  }

  /** Revokes every refresh token of a grant and, through its family id, its access tokens. */
  async revokeFamily(familyId: string): Promise<void> {
    const at = new Date(this.now());
    await this.prisma.$transaction([
      this.prisma.sandboxRefreshToken.updateMany({
        where: { familyId, revokedAt: null },
        data: { revokedAt: at },
      }),
      this.prisma.sandboxRevocation.createMany({
        data: [
          {
            id: familyId,
            expiresAt: new Date(this.now() + this.config.refreshTokenTtlSeconds * 1000),
          },
        ],
        skipDuplicates: true,
      }),
    ]);
  }
}

function simulatedRequestError(faults: Faults): Pick<AccessTokenClaims, 'sim_error'> {
  return faults.simulatedError === 'request_invalid_token' ||
    faults.simulatedError === 'request_expired_token'
    ? { sim_error: faults.simulatedError }
    : {};
}

/** Row 14 (Epic, DOC E1,E2): Epic's scope echo may end with a space. */
function formatScope(scope: string, profile: VendorProfile): string {
  return profile.scopeTrailingSpace ? `${scope} ` : scope;
}

/**
 * REFRESH-04 / RFC 6749 §6: a refresh may narrow the scope but never widen it beyond what the
 * grant had. Compared with @bedside/scopes, so `patient/Patient.r` fits inside `patient/*.rs`.
 * @throws InvalidScopeError when the requested scope is broader.
 */
function narrowScope(requested: string, ceiling: string): string {
  const wanted = parseScopesLenient(requested);
  const granted = parseScopesLenient(ceiling);
  if (wanted.rejected.length > 0 || !isSubset(wanted.scopes, granted.scopes)) {
    throw new InvalidScopeError('The refresh scope must be the granted scope or a subset of it.');
  }
  return [...new Set(requested.split(' ').filter(Boolean))].join(' ');
}
