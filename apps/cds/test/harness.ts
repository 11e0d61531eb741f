import { createServer, type IncomingMessage, type Server } from 'node:http';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

import { createPrismaClient, type PrismaClient } from '@bedside/db';
import { createTestDatabase, type TestDatabase } from '@bedside/db/testing';

import { createCdsApp } from '../src/bootstrap.js';
import { loadCdsConfig, type CdsConfig } from '../src/config.js';

export const clientIssuer = 'https://ehr.test/';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export interface ClientKey {
  kid: string;
  alg: 'RS384' | 'ES384';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function clientKey(alg: 'RS384' | 'ES384', kid: string): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

export interface RecordedFhirRequest {
  url: string;
  authorization: string | undefined;
}

/** A FHIR server that answers only the searches it was given; anything else is a 404 OperationOutcome. */
export interface FakeFhir {
  baseUrl: string;
  requests: RecordedFhirRequest[];
  /** Path and query (after the base) → body. */
  responses: Map<string, unknown>;
  delayMs: number;
  close(): Promise<void>;
}

async function startFakeFhir(): Promise<FakeFhir> {
  const fake: Omit<FakeFhir, 'baseUrl' | 'close'> = {
    requests: [],
    responses: new Map(),
    delayMs: 0,
  };
  const server = createServer((request: IncomingMessage, response) => {
    const url = request.url ?? '';
    fake.requests.push({ url, authorization: request.headers.authorization });
    const path = url.replace(/^\/fhir\//, '');
    const typeOnly = path.split('?')[0] ?? '';
    setTimeout(() => {
      const body = fake.responses.get(path) ?? fake.responses.get(typeOnly);
      if (body === undefined) {
        response.writeHead(404, { 'content-type': 'application/fhir+json' });
        response.end(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'not-found' }],
          }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'application/fhir+json' });
      response.end(JSON.stringify(body));
    }, fake.delayMs);
  });
  const base = await listen(server);
  return {
    ...fake,
    get delayMs() {
      return fake.delayMs;
    },
    set delayMs(value: number) {
      fake.delayMs = value;
    },
    baseUrl: `${base}/fhir`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CdsHarness {
  config: CdsConfig;
  app: NestFastifyApplication;
  baseUrl: string;
  prisma: PrismaClient;
  fhir: FakeFhir;
  jwksUrl: string;
  keys: { rs384: ClientKey; es384: ClientKey; unpublished: ClientKey };
  /** A fresh CDS Client JWT for `aud` (RS384 by default), with `jku` = the JWKS URL. */
  sign(
    audience: string | string[],
    options?: {
      key?: ClientKey;
      claims?: Record<string, unknown>;
      header?: Record<string, unknown>;
      lifetime?: number;
      iatOffset?: number;
      issuer?: string;
    },
  ): Promise<string>;
  /** POST JSON with a fresh JWT for the URL called. */
  post(
    path: string,
    body: unknown,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** The CDS service on a real port over a fresh PostgreSQL database, with one trusted CDS Client. */
export async function startCds(
  env: Record<string, string> = {},
  overrides: { now?: () => number } = {},
): Promise<CdsHarness> {
  const database: TestDatabase = await createTestDatabase();
  const [rs384, es384, unpublished] = await Promise.all([
    clientKey('RS384', 'rs-1'),
    clientKey('ES384', 'ec-1'),
    clientKey('RS384', 'not-published'),
  ]);
  const jwksServer = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [rs384.publicJwk, es384.publicJwk] }));
  });
  const jwksUrl = `${await listen(jwksServer)}/.well-known/jwks.json`;
  const fhir = await startFakeFhir();
  const port = await freePort();
  const config = loadCdsConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    CDS_PORT: String(port),
    CDS_PUBLIC_URL: `http://127.0.0.1:${port}`,
    CDS_APP_LAUNCH_URL: 'http://app.test:3000/launch',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const prisma = createPrismaClient(database.url, { maxConnections: 3 });
  await prisma.cdsClient.create({
    data: { issuer: clientIssuer, displayName: 'Test EHR', jwksUrl },
  });
  const app = await createCdsApp(config, overrides);
  await app.listen({ port, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}`;

  const sign: CdsHarness['sign'] = async (audience, options = {}) => {
    const key = options.key ?? rs384;
    const iat = Math.floor(Date.now() / 1000) + (options.iatOffset ?? 0);
    return new SignJWT({ jti: crypto.randomUUID(), ...options.claims })
      .setProtectedHeader({
        alg: key.alg,
        typ: 'JWT',
        kid: key.kid,
        jku: jwksUrl,
        ...options.header,
      } as never)
      .setIssuer(options.issuer ?? clientIssuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.lifetime ?? 300))
      .sign(key.privateKey);
  };

  return {
    config,
    app,
    baseUrl,
    prisma,
    fhir,
    jwksUrl,
    keys: { rs384, es384, unpublished },
    sign,
    async post(path, body, options = {}) {
      const token = options.token ?? (await sign(`${baseUrl}${path}`));
      return fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          ...options.headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async close() {
      await app.close();
      await fhir.close();
      jwksServer.closeAllConnections();
      await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
      await prisma.$disconnect();
      await database.drop();
    },
  };
}
