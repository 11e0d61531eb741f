import formBody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

import type { PrismaClient } from '@bedside/db';
import {
  createOperationOutcome,
  httpStatusByIssueType,
  type IssueType,
  type Patient,
} from '@bedside/fhir-model';

import { AuthorizeService, type AuthorizeParams } from './auth/authorize.service.js';
import {
  InvalidRedirectUriError,
  OAuthServerError,
  InvalidRequestError,
} from './auth/oauth-errors.js';
import { randomToken } from './auth/secrets.js';
import { SigningKeyStore } from './auth/signing-keys.js';
import { TokenEndpointService, type TokenForm } from './auth/token-endpoint.service.js';
import { InvalidAccessTokenError, TokenService, type AccessTokenClaims } from './auth/tokens.js';
import type { SandboxConfig } from './config.js';
import {
  authEndpoints,
  capabilityStatement,
  openIdConfiguration,
  smartConfiguration,
  smartStyle,
} from './fhir/discovery.js';
import { decideRead, decideTypeRead, readableResourceTypes } from './fhir/read-access.js';
import { ResourceStore } from './fhir/resource-store.js';
import {
  renderAuthorizationErrorPage,
  renderEhrFrame,
  renderLauncher,
  renderNotFoundPage,
} from './launcher/launcher.pages.js';

export interface SandboxDependencies {
  config: SandboxConfig;
  prisma: PrismaClient;
  now?: () => number;
  logger?: boolean | object;
}

const fhirJson = 'application/fhir+json; charset=utf-8';

/** Sends a FHIR error as an OperationOutcome with the status from the one outcome table. */
function sendOutcome(
  reply: FastifyReply,
  code: IssueType,
  diagnostics: string,
  status: number = httpStatusByIssueType[code],
): FastifyReply {
  return reply.code(status).type(fhirJson).send(createOperationOutcome(code, diagnostics));
}

/** Public endpoints answer any origin: browser apps discover and call them (DISC-10, TOKEN-05, RS-06). */
function allowAnyOrigin(reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', '*');
  reply.header(
    'Access-Control-Expose-Headers',
    'Location, ETag, Content-Location, WWW-Authenticate',
  );
}

/**
 * Builds the sandbox EHR: authorization server, FHIR API and launcher. All state is in PostgreSQL,
 * so any number of instances can serve the same database.
 */
export async function buildSandboxApp(deps: SandboxDependencies): Promise<FastifyInstance> {
  const { config, prisma } = deps;
  const now = deps.now ?? Date.now;
  const keys = new SigningKeyStore(prisma);
  const tokens = new TokenService(config, keys, now);
  const authorizeService = new AuthorizeService(config, prisma, now);
  const tokenEndpoint = new TokenEndpointService(
    prisma,
    tokens,
    authEndpoints(config).smart_style_url,
    now,
  );
  const store = new ResourceStore(prisma);

  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    genReqId: () => randomToken(9),
    requestIdHeader: false,
    trustProxy: false,
  });
  await app.register(formBody);
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

  // ------------------------------------------------------------------ discovery (public, CORS)
  app.options('/*', async (_request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Prefer');
    reply.header('Access-Control-Max-Age', '600');
    return reply.code(204).send();
  });
  app.get('/fhir/.well-known/smart-configuration', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type('application/json').send(smartConfiguration(config));
  });
  app.get('/fhir/.well-known/openid-configuration', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type('application/json').send(openIdConfiguration(config));
  });
  app.get('/auth/jwks', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type('application/json').send(await keys.jwks());
  });
  app.get('/smart-style.json', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type('application/json').send(smartStyle);
  });
  app.get('/fhir/metadata', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type(fhirJson).send(capabilityStatement(config, readableResourceTypes));
  });

  // ------------------------------------------------------------------ authorization endpoint
  const authorize = async (params: AuthorizeParams, reply: FastifyReply) => {
    try {
      return reply.redirect(await authorizeService.authorize(params), 302);
    } catch (error) {
      if (error instanceof InvalidRedirectUriError) {
        return reply
          .code(400)
          .type('text/html; charset=utf-8')
          .send(renderAuthorizationErrorPage(error.title, error.detail));
      }
      throw error;
    }
  };
  app.get('/auth/authorize', (request, reply) =>
    authorize(onlyStrings(request.query) as AuthorizeParams, reply),
  );
  app.post('/auth/authorize', (request, reply) =>
    authorize(onlyStrings(request.body) as AuthorizeParams, reply),
  );

  // ------------------------------------------------------------------ token endpoint
  app.post('/auth/token', async (request, reply) => {
    allowAnyOrigin(reply);
    // TOKEN-04: token responses, success or error, are never cached.
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    try {
      // TOKEN-01: the body must be application/x-www-form-urlencoded.
      if (!isFormEncoded(request)) {
        throw new InvalidRequestError(
          'The token request must be application/x-www-form-urlencoded.',
        );
      }
      const body = await tokenEndpoint.exchange(
        onlyStrings(request.body) as TokenForm,
        request.headers.authorization,
      );
      return reply.type('application/json').send(body);
    } catch (error) {
      if (!(error instanceof OAuthServerError)) throw error;
      request.log.info(
        { error: error.error, description: error.description },
        'token request refused',
      );
      return reply
        .code(error.status)
        .headers(error.headers)
        .type('application/json')
        .send({ error: error.error, error_description: error.description });
    }
  });

  // ------------------------------------------------------------------ FHIR API
  const authenticate = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<AccessTokenClaims | undefined> => {
    const header = request.headers.authorization;
    // RS-04 and RFC 6750 §3.1: no token, a plain challenge; a bad token, error="invalid_token".
    if (!header?.startsWith('Bearer ')) {
      reply.header('WWW-Authenticate', `Bearer realm="${config.fhirBaseUrl}"`);
      sendOutcome(
        reply,
        'login',
        'This FHIR server needs an access token (Authorization: Bearer).',
      );
      return undefined;
    }
    try {
      return await tokens.verifyAccessToken(header.slice(7).trim());
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error;
      reply.header(
        'WWW-Authenticate',
        `Bearer realm="${config.fhirBaseUrl}", error="invalid_token", error_description="${error.reason}"`,
      );
      sendOutcome(reply, 'login', error.reason);
      return undefined;
    }
  };

  app.get<{ Params: { type: string; id: string } }>('/fhir/:type/:id', async (request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Cache-Control', 'no-store');
    const claims = await authenticate(request, reply);
    if (!claims) return reply;
    const { type, id } = request.params;
    if (!readableResourceTypes.includes(type)) {
      return sendOutcome(
        reply,
        'not-supported',
        `Resource type ${type} is not supported here.`,
        404,
      );
    }
    const typeDecision = decideTypeRead(claims, type);
    if (!typeDecision.allowed) {
      return sendOutcome(reply, 'forbidden', typeDecision.diagnostics, typeDecision.status);
    }
    const resource = await store.read(type, id);
    if (!resource) return sendOutcome(reply, 'not-found', `${type}/${id} does not exist.`);
    const decision = decideRead(claims, resource);
    if (!decision.allowed) {
      return sendOutcome(
        reply,
        decision.status === 404 ? 'not-found' : 'forbidden',
        decision.diagnostics,
        decision.status,
      );
    }
    return reply
      .type(fhirJson)
      .header('ETag', `W/"${resource.meta.versionId}"`)
      .header('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString())
      .send(resource);
  });

  // ------------------------------------------------------------------ launcher (the EHR's UI)
  app.get('/', async (_request, reply) => {
    const [patients, clients] = await Promise.all([
      store.listPatients(),
      prisma.sandboxClient.findMany({
        where: { launchUrl: { not: null } },
        orderBy: { name: 'asc' },
      }),
    ]);
    return reply.type('text/html; charset=utf-8').send(renderLauncher(patients, clients));
  });

  app.post('/launcher/launch', async (request, reply) => {
    const form = onlyStrings(request.body);
    const patientId = form['patientId'];
    const clientId = form['clientId'];
    const patient = patientId ? await store.read('Patient', patientId) : undefined;
    const client = clientId
      ? await prisma.sandboxClient.findUnique({ where: { clientId } })
      : undefined;
    if (!patient || !client?.launchUrl) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(renderNotFoundPage('Choose a patient and an app that has a launch URL.'));
    }
    const encounter = await prisma.fhirResource.findFirst({
      where: {
        resourceType: 'Encounter',
        content: { path: ['subject', 'reference'], equals: `Patient/${patient.id}` },
      },
      orderBy: { lastUpdated: 'desc' },
    });
    // LAUNCH-04: the launch value is unguessable, short-lived and bound to this context.
    const launch = await prisma.sandboxLaunch.create({
      data: {
        id: randomToken(24),
        clientId: client.clientId,
        userId: 'ann-lee',
        patientId: patient.id,
        encounterId: encounter?.id ?? null,
        expiresAt: new Date(now() + config.launchTtlSeconds * 1000),
      },
    });
    return reply.redirect(`/launcher/ehr/${launch.id}`, 303);
  });

  app.get<{ Params: { launchId: string } }>('/launcher/ehr/:launchId', async (request, reply) => {
    const launch = await prisma.sandboxLaunch.findUnique({
      where: { id: request.params.launchId },
    });
    const client = launch
      ? await prisma.sandboxClient.findUnique({ where: { clientId: launch.clientId } })
      : null;
    const patient = launch ? await store.read('Patient', launch.patientId) : undefined;
    if (!launch || !client?.launchUrl || !patient || launch.expiresAt.getTime() <= now()) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(
          renderNotFoundPage(
            'This launch does not exist or has expired. Start again from the launcher.',
          ),
        );
    }
    // LAUNCH-01: the app's launch URL with `iss` (the FHIR base) and the opaque `launch`.
    const appUrl = new URL(client.launchUrl);
    appUrl.searchParams.set('iss', config.fhirBaseUrl);
    appUrl.searchParams.set('launch', launch.id);
    return reply
      .type('text/html; charset=utf-8')
      .send(renderEhrFrame(patient as Patient, client.name, appUrl.toString()));
  });

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
    if (request.url.startsWith('/fhir/'))
      return sendOutcome(reply, status >= 500 ? 'exception' : 'invalid', message, status);
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

function isFormEncoded(request: FastifyRequest): boolean {
  return (
    (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ===
    'application/x-www-form-urlencoded'
  );
}

/** Keeps single string values: repeated or non-string parameters are treated as absent. */
function onlyStrings(input: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof input !== 'object' || input === null) return out;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}
