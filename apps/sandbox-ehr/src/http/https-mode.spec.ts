import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPrismaClient, type PrismaClient } from '@bedside/db';
import { createTestDatabase, type TestDatabase } from '@bedside/db/testing';

import { freePort } from '../../test/harness.js';
import { buildSandboxApp } from '../app.js';
import { loadSandboxConfig } from '../config.js';
import { createSelfSignedCertificate } from './self-signed.js';

function get(url: string, ca: string): Promise<{ status: number; body: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (response) => {
      const protocol = (response.socket as TLSSocket).getProtocol() ?? '';
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body,
          protocol,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS mode (SANDBOX_HTTPS=1): self-signed certificate made at start', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let app: FastifyInstance;
  let baseUrl: string;
  const certificate = createSelfSignedCertificate(['localhost', '127.0.0.1']);

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = createPrismaClient(database.url, { maxConnections: 2 });
    const port = await freePort();
    const config = loadSandboxConfig({
      DATABASE_URL: database.url,
      SANDBOX_PORT: String(port),
      SANDBOX_HOST: '127.0.0.1',
      SANDBOX_HTTPS: '1',
      SANDBOX_PUBLIC_URL: `https://127.0.0.1:${port}`,
      LOG_LEVEL: 'silent',
    });
    app = await buildSandboxApp({ config, prisma, logger: false, https: certificate });
    await app.listen({ port, host: '127.0.0.1' });
    baseUrl = config.publicUrl;
  });
  afterAll(async () => {
    await app.close();
    await prisma.$disconnect();
    await database.drop();
  });

  it('serves discovery over TLS ≥ 1.2 to a client that trusts the certificate, with https URLs', async () => {
    const response = await get(`${baseUrl}/fhir/.well-known/smart-configuration`, certificate.cert);
    expect(response.status).toBe(200);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(response.protocol);
    const config = JSON.parse(response.body) as { token_endpoint: string };
    expect(config.token_endpoint).toBe(`${baseUrl}/auth/token`);
    expect(config.token_endpoint.startsWith('https://')).toBe(true);
  });

  it('a client that does not trust the certificate is refused', async () => {
    await expect(get(`${baseUrl}/health`, '')).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('the public URL defaults to https when SANDBOX_HTTPS=1', () => {
    const config = loadSandboxConfig({
      DATABASE_URL: 'postgresql://x@127.0.0.1/x',
      SANDBOX_HTTPS: '1',
      SANDBOX_PORT: '4443',
    });
    expect(config.publicUrl).toBe('https://localhost:4443');
    expect(config.https).toBe(true);
  });
});
