import { createHash } from 'node:crypto';

import formBody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface FakeEhr {
  app: FastifyInstance;
  baseUrl: string;
  fhirBaseUrl: string;
  /** Every request the fake received, in order: tests assert on exactly what the BFF sent. */
  requests: { method: string; url: string; headers: Record<string, unknown>; body: unknown }[];
  /** Behaviour knobs for negative paths. */
  behaviour: {
    tokenError?: { status: number; error: string };
    idTokenNonce?: string;
    /** Lifetime of issued access tokens, seconds (default 3600). */
    expiresIn?: number;
    /** Issue refresh tokens with the code exchange. */
    issueRefreshTokens?: boolean;
    /** Answer refresh requests with invalid_grant. */
    refuseRefresh?: boolean;
    /** The `scope` the token endpoint grants (default: launch openid fhirUser patient/Patient.rs). */
    grantedScope?: string;
    /** Drop FHIR connections without answering (an EHR that went away mid-call). */
    dropFhirConnections?: boolean;
  };
  /** Refresh tokens presented so far, in order (rotation is checked against them). */
  refreshRequests: string[];
  /** Resources created through the fake's FHIR API. */
  created: Record<string, unknown>[];
  /** The code the fake will accept, bound to the challenge the BFF sent to /authorize. */
  issueCode(authorizeUrl: string): string;
  accessTokens: string[];
  close(): Promise<void>;
}

/**
 * A strict SMART EHR double: it answers only the requests a launch makes and fails the test
 * (404) on anything else. It signs real RS256 id_tokens with a key made per run.
 */
export async function startFakeEhr(clientId: string): Promise<FakeEhr> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const publicJwk: JWK = {
    ...(await exportJWK(publicKey)),
    kid: 'fake-1',
    alg: 'RS256',
    use: 'sig',
  };
  const app = Fastify({ logger: false });
  await app.register(formBody);
  const requests: FakeEhr['requests'] = [];
  const codes = new Map<string, { challenge: string; nonce: string | null; redirectUri: string }>();
  const accessTokens: string[] = [];
  const behaviour: FakeEhr['behaviour'] = {};
  const refreshRequests: string[] = [];
  const liveRefreshTokens = new Set<string>();
  const created: Record<string, unknown>[] = [];
  app.addContentTypeParser(
    'application/fhir+json',
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  app.addHook('onRequest', async (request) => {
    requests.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: undefined,
    });
  });
  app.addHook('preHandler', async (request) => {
    const last = requests.at(-1);
    if (last) last.body = request.body;
  });

  // Routes read these once the port is known (Fastify takes no routes after listen).
  let baseUrl = '';
  let fhirBaseUrl = '';

  app.get('/fhir/.well-known/smart-configuration', async () => ({
    issuer: fhirBaseUrl,
    jwks_uri: `${baseUrl}/jwks`,
    authorization_endpoint: `${baseUrl}/authorize`,
    token_endpoint: `${baseUrl}/token`,
    grant_types_supported: ['authorization_code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: ['launch-ehr', 'client-public', 'sso-openid-connect', 'permission-v2'],
  }));
  app.get('/jwks', async () => ({ keys: [publicJwk] }));
  app.post('/token', async (request, reply) => {
    const form = request.body as Record<string, string>;
    if (behaviour.tokenError) {
      return reply.code(behaviour.tokenError.status).send({ error: behaviour.tokenError.error });
    }
    if (form['grant_type'] === 'refresh_token') {
      const presented = form['refresh_token'] ?? '';
      refreshRequests.push(presented);
      // Rotation: a refresh token works once (a reused one is refused, as strict servers do).
      if (
        behaviour.refuseRefresh ||
        !liveRefreshTokens.delete(presented) ||
        form['client_id'] !== clientId
      ) {
        return reply
          .code(400)
          .send({ error: 'invalid_grant', error_description: 'refresh refused' });
      }
      const accessToken = `opaque-${accessTokens.length + 1}`;
      accessTokens.push(accessToken);
      const rotated = `refresh-${refreshRequests.length}-${Math.random().toString(36).slice(2)}`;
      liveRefreshTokens.add(rotated);
      return reply.header('cache-control', 'no-store').send({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: behaviour.expiresIn ?? 3600,
        scope: behaviour.grantedScope ?? 'launch openid fhirUser patient/Patient.rs',
        refresh_token: rotated,
      });
    }
    const grant = codes.get(form['code'] ?? '');
    const challenge = createHash('sha256')
      .update(form['code_verifier'] ?? '')
      .digest('base64url');
    if (!grant || grant.challenge !== challenge || form['client_id'] !== clientId) {
      return reply.code(400).send({ error: 'invalid_grant' });
    }
    codes.delete(form['code'] ?? '');
    const accessToken = `opaque-${accessTokens.length + 1}`;
    accessTokens.push(accessToken);
    const idToken = await new SignJWT({
      fhirUser: 'Practitioner/p1',
      nonce: behaviour.idTokenNonce ?? grant.nonce,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-1' })
      .setIssuer(fhirBaseUrl)
      .setSubject('user-1')
      .setAudience(clientId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey as CryptoKey);
    const refreshToken = behaviour.issueRefreshTokens
      ? `refresh-0-${Math.random().toString(36).slice(2)}`
      : undefined;
    if (refreshToken) liveRefreshTokens.add(refreshToken);
    return reply.header('cache-control', 'no-store').send({
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: behaviour.expiresIn ?? 3600,
      scope: behaviour.grantedScope ?? 'launch openid fhirUser patient/Patient.rs',
      patient: 'p-42',
      encounter: 'e-7',
      need_patient_banner: false,
      id_token: idToken,
    });
  });
  app.post<{ Params: { type: string } }>('/fhir/:type', async (request, reply) => {
    const presented = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!accessTokens.includes(presented))
      return reply.code(401).send({ resourceType: 'OperationOutcome', issue: [] });
    const resource = {
      ...(request.body as Record<string, unknown>),
      id: `obs-${created.length + 1}`,
    };
    created.push(resource);
    return reply
      .code(201)
      .type('application/fhir+json')
      .header('location', `${fhirBaseUrl}/${request.params.type}/${resource.id}/_history/1`)
      .send(resource);
  });
  app.get<{ Params: { id: string } }>('/fhir/Patient/:id', async (request, reply) => {
    if (behaviour.dropFhirConnections) {
      request.raw.socket.destroy();
      return reply.hijack();
    }
    const presented = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!accessTokens.includes(presented)) {
      return reply
        .code(401)
        .send({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    }
    return reply
      .type('application/fhir+json')
      .header('etag', 'W/"3"')
      .send({
        resourceType: 'Patient',
        id: request.params.id,
        name: [{ given: ['Ada'], family: 'Lovelace' }],
        birthDate: '1815-12-10',
      });
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  baseUrl = `http://127.0.0.1:${port}`;
  fhirBaseUrl = `${baseUrl}/fhir`;

  return {
    app,
    baseUrl,
    created,
    fhirBaseUrl,
    requests,
    behaviour,
    accessTokens,
    refreshRequests,
    issueCode(authorizeUrl: string) {
      const url = new URL(authorizeUrl);
      const code = `code-${codes.size + 1}-${Math.random().toString(36).slice(2)}`;
      codes.set(code, {
        challenge: url.searchParams.get('code_challenge') ?? '',
        nonce: url.searchParams.get('nonce'),
        redirectUri: url.searchParams.get('redirect_uri') ?? '',
      });
      return code;
    },
    close: () => app.close(),
  };
}
