import 'reflect-metadata';

import { randomBytes } from 'node:crypto';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

import { AppModule } from './app.module.js';
import type { BffConfig } from './config.js';
import { JsonLogger } from './http/json-logger.js';
import { csrfCheck } from './security/csrf.js';
import { FrameAncestors } from './security/frame-ancestors.service.js';

export interface RegisteredRoute {
  method: string;
  url: string;
}

const registeredRoutes = new WeakMap<object, RegisteredRoute[]>();

/** Every route the app registered (for the OpenAPI completeness test). */
export function routesOf(app: NestFastifyApplication): RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}

const requestIdPattern = /^[A-Za-z0-9_.:-]{8,64}$/;

/** Builds the BFF (not listening yet). Request ids come from `x-request-id` when well-formed. */
export async function createBffApp(config: BffConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming)
        ? incoming
        : randomBytes(9).toString('base64url');
    },
    trustProxy: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    adapter,
    {
      logger: new JsonLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
    },
  );
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  const routes: RegisteredRoute[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  registeredRoutes.set(app, routes);
  fastify.addContentTypeParser(
    'application/fhir+json',
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );
  fastify.addHook('onRequest', csrfCheck(new URL(config.appPublicUrl).origin));
  const frameAncestors = app.get(FrameAncestors);
  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    reply.header('X-Content-Type-Options', 'nosniff');
    // URLs carry launch values and session handles: never leak them to other sites.
    reply.header('Referrer-Policy', 'no-referrer');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('Content-Security-Policy', await frameAncestors.contentSecurityPolicy());
    }
    return payload;
  });
  return app;
}
