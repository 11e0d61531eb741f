import 'reflect-metadata';

import { randomBytes } from 'node:crypto';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { AppModule, type CdsOverrides } from './app.module.js';
import type { CdsConfig } from './config.js';
import { registerCors } from './http/cors.js';
import { JsonLogger } from './http/json-logger.js';

const requestIdPattern = /^[A-Za-z0-9_.:-]{8,64}$/;

/** Builds the CDS service (not listening yet). */
export async function createCdsApp(
  config: CdsConfig,
  overrides: CdsOverrides = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming)
        ? incoming
        : randomBytes(9).toString('base64url');
    },
    trustProxy: false,
    // Prefetch can be large (a year of observations).
    bodyLimit: 10 * 1024 * 1024,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config, overrides),
    adapter,
    {
      logger: new JsonLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
      // Bodies reach the service as text: a body that is not JSON gets the service's own 400.
      bodyParser: false,
    },
  );
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addContentTypeParser(
    ['application/json', 'application/fhir+json'],
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );
  // Any other media type reaches the service too, and gets its 400 unless the text is JSON.
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  registerCors(fastify, config.corsOrigins);
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });
  return app;
}
