import { z } from 'zod';

import type { PrismaClient } from '@bedside/db';

import { defaultAppAllowedScope } from '../seed/seed.js';
import { VENDOR_PROFILES } from './profiles.js';
import { hashClientSecret, randomToken } from './secrets.js';

/** An RFC 7591 §3.2.2 error: `invalid_redirect_uri` or `invalid_client_metadata`, status 400. */
export class RegistrationError extends Error {
  constructor(
    readonly error: 'invalid_redirect_uri' | 'invalid_client_metadata',
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'RegistrationError';
  }
}

const jwkSchema = z
  .object({ kty: z.enum(['RSA', 'EC']), kid: z.string().min(1) })
  .passthrough()
  .refine(
    (key) =>
      key.kty === 'RSA' ? 'n' in key && 'e' in key : 'crv' in key && 'x' in key && 'y' in key,
    {
      message: 'RSA keys need n and e; EC keys need crv, x and y (CAUTH-02)',
    },
  );

const metadataSchema = z
  .object({
    client_name: z.string().min(1).max(200).optional(),
    redirect_uris: z.array(z.string()).optional(),
    token_endpoint_auth_method: z
      .enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .default('none'),
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token', 'client_credentials']))
      .optional(),
    scope: z.string().max(4000).optional(),
    jwks_uri: z.string().url().optional(),
    jwks: z.object({ keys: z.array(jwkSchema).min(1) }).optional(),
    /** SMART extension: the app's launch URL, so the launcher can start it. */
    launch_uri: z.string().url().optional(),
    /** Sandbox extension: the vendor profile the client runs under. */
    profile: z.enum(VENDOR_PROFILES).optional(),
    /** Sandbox extension: SMART scope version the app is registered with (Epic, row 15). */
    scope_version: z.enum(['v1', 'v2']).optional(),
  })
  .passthrough();

/**
 * RFC 7591 dynamic client registration, for development: any caller may register. Redirect URIs
 * must be absolute URLs without a fragment; `private_key_jwt` needs `jwks` or `jwks_uri`.
 * @returns the RFC 7591 §3.2.1 client information response.
 * @throws RegistrationError for invalid metadata.
 */
export async function registerClient(
  prisma: PrismaClient,
  body: unknown,
  now: () => number = Date.now,
): Promise<Record<string, unknown>> {
  const parsed = metadataSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new RegistrationError(
      'invalid_client_metadata',
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  const metadata = parsed.data;
  const method = metadata.token_endpoint_auth_method;
  const grantTypes =
    metadata.grant_types ??
    (method === 'private_key_jwt' && !metadata.redirect_uris
      ? ['client_credentials']
      : ['authorization_code', 'refresh_token']);
  const redirectUris = metadata.redirect_uris ?? [];
  for (const uri of redirectUris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new RegistrationError('invalid_redirect_uri', `"${uri}" is not an absolute URL.`);
    }
    if (url.hash) throw new RegistrationError('invalid_redirect_uri', `"${uri}" has a fragment.`);
  }
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new RegistrationError('invalid_redirect_uri', 'authorization_code needs redirect_uris.');
  }
  if (method === 'private_key_jwt' && !metadata.jwks && !metadata.jwks_uri) {
    throw new RegistrationError(
      'invalid_client_metadata',
      'private_key_jwt needs jwks or jwks_uri.',
    );
  }
  if (grantTypes.includes('client_credentials') && method !== 'private_key_jwt') {
    throw new RegistrationError(
      'invalid_client_metadata',
      'client_credentials needs token_endpoint_auth_method private_key_jwt.',
    );
  }
  const clientType =
    method === 'none'
      ? 'public'
      : method === 'private_key_jwt'
        ? grantTypes.includes('authorization_code')
          ? 'confidential-asymmetric'
          : 'backend-service'
        : 'confidential-symmetric';
  const clientId = `dcr-${randomToken(12)}`;
  const secret = clientType === 'confidential-symmetric' ? randomToken(32) : undefined;
  const allowedScope =
    metadata.scope ?? (clientType === 'backend-service' ? 'system/*.rs' : defaultAppAllowedScope);
  const issuedAt = Math.floor(now() / 1000);
  const response = {
    client_id: clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: issuedAt,
    client_name: metadata.client_name ?? clientId,
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    scope: allowedScope,
    ...(metadata.jwks_uri ? { jwks_uri: metadata.jwks_uri } : {}),
    ...(metadata.jwks ? { jwks: metadata.jwks } : {}),
    ...(metadata.launch_uri ? { launch_uri: metadata.launch_uri } : {}),
    profile: metadata.profile ?? 'generic',
  };
  await prisma.sandboxClient.create({
    data: {
      clientId,
      name: response.client_name,
      clientType,
      secretHash: secret ? hashClientSecret(secret) : null,
      redirectUris,
      launchUrl: metadata.launch_uri ?? null,
      allowedScope,
      jwksUrl: metadata.jwks_uri ?? null,
      ...(metadata.jwks ? { jwks: metadata.jwks as object } : {}),
      profile: metadata.profile ?? 'generic',
      scopeVersion: metadata.scope_version ?? null,
      metadata: JSON.parse(JSON.stringify({ ...response, client_secret: undefined })) as object,
    },
  });
  return response;
}
