import { randomUUID } from 'node:crypto';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { expect } from 'vitest';

import { hashClientSecret } from '../src/auth/secrets.js';
import { appRedirectUri, type SandboxHarness } from './harness.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asserts an OAuth error response: exact status, `error` code and part of the description. */
export async function expectOAuthError(
  response: Response,
  status: number,
  error: string,
  description?: string,
): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, error: body['error'] }).toEqual({ status, error });
  if (description) expect(String(body['error_description'])).toContain(description);
  return body;
}

let counter = 0;
const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** A confidential-symmetric client (client_secret_basic / client_secret_post). */
export async function createSymmetricClient(
  sandbox: SandboxHarness,
  options: { profile?: string; allowedScope?: string } = {},
): Promise<{ clientId: string; secret: string }> {
  const clientId = uniqueId('sym');
  const secret = `s3cr/t+${randomUUID()}`;
  await sandbox.prisma.sandboxClient.create({
    data: {
      clientId,
      name: 'Symmetric test app',
      clientType: 'confidential-symmetric',
      secretHash: hashClientSecret(secret),
      redirectUris: [appRedirectUri],
      launchUrl: 'http://app.test:3000/launch',
      allowedScope:
        options.allowedScope ??
        'launch launch/patient openid fhirUser offline_access online_access patient/*.rs',
      profile: options.profile ?? 'generic',
    },
  });
  return { clientId, secret };
}

export interface AsymmetricClient {
  clientId: string;
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A backend-service client with a registered JWKS (or JWKS URL) holding one key of `alg`. */
export async function createAsymmetricClient(
  sandbox: SandboxHarness,
  options: {
    alg?: 'RS384' | 'ES384' | 'RS256';
    profile?: string;
    jwksUrl?: string;
    allowedScope?: string;
    clientType?: string;
  } = {},
): Promise<AsymmetricClient> {
  const alg = options.alg ?? 'RS384';
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = uniqueId('kid');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
  const clientId = uniqueId('backend');
  await sandbox.prisma.sandboxClient.create({
    data: {
      clientId,
      name: 'Backend test client',
      clientType: options.clientType ?? 'backend-service',
      redirectUris: options.clientType === 'confidential-asymmetric' ? [appRedirectUri] : [],
      allowedScope:
        options.allowedScope ??
        'system/Patient.rs system/Observation.rs launch openid fhirUser offline_access patient/*.rs',
      profile: options.profile ?? 'generic',
      ...(options.jwksUrl ? { jwksUrl: options.jwksUrl } : { jwks: { keys: [publicJwk] } }),
    },
  });
  return { clientId, kid, alg, privateKey, publicJwk };
}

/** A client assertion (RFC 7523) for `client`; `overrides` change header fields or claims. */
export async function signAssertion(
  sandbox: SandboxHarness,
  client: AsymmetricClient,
  overrides: {
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    key?: CryptoKey;
    alg?: string;
  } = {},
): Promise<string> {
  const nowSeconds = Math.floor(sandbox.clock.now / 1000);
  return new SignJWT({
    iss: client.clientId,
    sub: client.clientId,
    aud: `${sandbox.baseUrl}/auth/token`,
    exp: nowSeconds + 240,
    jti: randomUUID(),
    ...overrides.claims,
  })
    .setProtectedHeader({
      alg: overrides.alg ?? client.alg,
      typ: 'JWT',
      kid: client.kid,
      ...overrides.header,
    } as never)
    .sign(overrides.key ?? client.privateKey);
}

export function clientCredentialsForm(
  assertion: string,
  scope = 'system/Patient.rs',
): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  };
}
