import formBody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';

import type { PrismaClient } from '@bedside/db';

import { registerAuthRoutes } from './auth/auth.routes.js';
import { randomToken } from './auth/secrets.js';
import { registerCdsClientRoutes } from './cds-client/cds-client.routes.js';
import type { SandboxConfig } from './config.js';
import { registerFhirRoutes } from './fhir/fhir.routes.js';
import { allowAnyOrigin, sendOutcome } from './http/fhir-http.js';
import { renderNotFoundPage } from './launcher/launcher.pages.js';
import { registerLauncherRoutes } from './launcher/launcher.routes.js';
import { createSandboxServices } from './services.js';

export interface SandboxDependencies {
  config: SandboxConfig;
  prisma: PrismaClient;
  now?: () => number;
  logger?: boolean | object;
  /** TLS key and certificate (HTTPS mode, SANDBOX_HTTPS=1). */
  https?: { key: string; cert: string };
}

/**
 * Builds the sandbox EHR: authorization server, FHIR API and launcher. All state is in PostgreSQL,
 * so any number of instances can serve the same database.
 */
export async function buildSandboxApp(deps: SandboxDependencies): Promise<FastifyInstance> {
  const services = createSandboxServices(deps.config, deps.prisma, deps.now);
  const app = Fastify({
    ...(deps.https ? { https: deps.https } : {}),
    logger: deps.logger ?? { level: deps.config.logLevel },
    genReqId: () => randomToken(9),
    requestIdHeader: false,
    trustProxy: false,
  });
  await app.register(formBody);
  app.addHook('onClose', async () => {
    await services.store.pool?.end();
  });
  app.addContentTypeParser(
    ['application/fhir+json', 'application/json'],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(
          Object.assign(new Error('The body is not valid JSON.'), { statusCode: 400 }),
          undefined,
        );
      }
    },
  );

  app.get('/health', async () => ({ status: 'ok' }));
  app.options('/*', async (_request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    reply.header(
      'Access-Control-Allow-Headers',
      'Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Exist',
    );
    reply.header('Access-Control-Max-Age', '600');
    return reply.code(204).send();
  });

  registerAuthRoutes(app, services);
  registerFhirRoutes(app, services);
  registerLauncherRoutes(app, services);
  registerCdsClientRoutes(app, services);

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/fhir/')) {
      allowAnyOrigin(reply);
      return sendOutcome(reply, 'not-found', `No route for ${request.method} ${request.url}.`, 404);
    }
    return reply.code(404).type('text/html; charset=utf-8').send(renderNotFoundPage(request.url));
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    const message = status >= 500 ? 'Internal server error.' : error.message;
    if (request.url.startsWith('/fhir/')) {
      return sendOutcome(reply, status >= 500 ? 'exception' : 'invalid', message, status);
    }
    return reply
      .code(status)
      .type('application/json')
      .send({
        error: status >= 500 ? 'server_error' : 'invalid_request',
        error_description: message,
      });
  });

  return app;
}
