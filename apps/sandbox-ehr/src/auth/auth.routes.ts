import { setTimeout as delay } from 'node:timers/promises';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { Patient } from '@bedside/fhir-model';

import { smartStyle } from '../fhir/discovery.js';
import { allowAnyOrigin, isFormEncoded, onlyStrings } from '../http/fhir-http.js';
import { renderAuthorizationErrorPage } from '../launcher/launcher.pages.js';
import type { SandboxServices } from '../services.js';
import { renderConsentPage, renderLoginPage, renderPatientPicker } from './authorize.pages.js';
import { AuthorizeService, type AuthorizeParams } from './authorize.service.js';
import { registerDevRoutes } from './dev.routes.js';
import { purgeExpiredAuthRows } from './housekeeping.js';
import {
  authServerEndpoints,
  openIdConfigurationDocument,
  smartConfigurationDocument,
} from './discovery.js';
import { IntrospectionService } from './introspection.service.js';
import {
  InvalidRedirectUriError,
  InvalidRequestError,
  OAuthServerError,
  ServerUnavailableError,
} from './oauth-errors.js';
import { registerClient, RegistrationError } from './registration.js';
import { TokenEndpointService, type TokenForm } from './token-endpoint.service.js';

const htmlType = 'text/html; charset=utf-8';

/**
 * The authorization server: discovery documents, JWKS, authorize (with the standalone login,
 * patient picker and consent pages), token, introspection, revocation and registration.
 */
export function registerAuthRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { config, prisma, keys, tokens, now, store } = services;
  const endpoints = authServerEndpoints(config);
  const authorizeService = new AuthorizeService(config, prisma, now);
  const tokenEndpoint = new TokenEndpointService(
    config,
    prisma,
    tokens,
    endpoints.smart_style_url,
    now,
  );
  const introspection = new IntrospectionService(
    prisma,
    tokens,
    tokenEndpoint.clientAuthenticator,
    tokenEndpoint,
    now,
  );
  const rateWindows = new Map<string, number[]>();

  // DISC-01/10/12: public JSON documents, any Accept, CORS for browser apps.
  const json =
    (body: () => unknown | Promise<unknown>) => async (_r: FastifyRequest, reply: FastifyReply) => {
      allowAnyOrigin(reply);
      return reply.type('application/json').send(await body());
    };
  app.get(
    '/fhir/.well-known/smart-configuration',
    json(() => smartConfigurationDocument(config)),
  );
  app.get(
    '/fhir/.well-known/openid-configuration',
    json(() => openIdConfigurationDocument(config)),
  );
  app.get(
    '/auth/jwks',
    json(() => keys.jwks()),
  );
  app.get(
    '/smart-style.json',
    json(() => smartStyle),
  );

  const errorPage = (reply: FastifyReply, status: number, title: string, detail: string) =>
    reply.code(status).type(htmlType).send(renderAuthorizationErrorPage(title, detail));

  const authorize = async (params: AuthorizeParams, reply: FastifyReply) => {
    try {
      const outcome = await authorizeService.authorize(params);
      if (outcome.kind === 'page')
        return errorPage(reply, outcome.status, outcome.title, outcome.detail);
      return reply.redirect(outcome.location, 302);
    } catch (error) {
      if (error instanceof InvalidRedirectUriError) {
        return errorPage(reply, 400, error.title, error.detail);
      }
      throw error;
    }
  };
  // AUTHZ-01: GET with a query and POST with a form body.
  app.get('/auth/authorize', (request, reply) =>
    authorize(onlyStrings(request.query) as AuthorizeParams, reply),
  );
  app.post('/auth/authorize', (request, reply) =>
    authorize(onlyStrings(request.body) as AuthorizeParams, reply),
  );

  const expired = (reply: FastifyReply) =>
    errorPage(
      reply,
      400,
      'Sign-in expired',
      'This authorization request is unknown or expired. Start the app again.',
    );

  app.get('/auth/login', async (request, reply) => {
    const pending = await authorizeService.pending(onlyStrings(request.query)['request']);
    if (!pending) return expired(reply);
    return reply.type(htmlType).send(renderLoginPage(pending.id, pending.client.name, false));
  });
  app.post('/auth/login', async (request, reply) => {
    const form = onlyStrings(request.body);
    const pending = await authorizeService.pending(form['request']);
    if (!pending) return expired(reply);
    const user = await authorizeService.login(
      pending,
      form['username'] ?? '',
      form['password'] ?? '',
    );
    if (!user) {
      return reply
        .code(401)
        .type(htmlType)
        .send(renderLoginPage(pending.id, pending.client.name, true));
    }
    const next = await authorizeService.pending(pending.id);
    return reply.redirect(await authorizeService.nextStep(next ?? pending), 303);
  });
  app.get('/auth/select-patient', async (request, reply) => {
    const pending = await authorizeService.pending(onlyStrings(request.query)['request']);
    if (!pending?.user) return expired(reply);
    const patients = (await store.listPatients()) as Patient[];
    return reply.type(htmlType).send(renderPatientPicker(pending.id, patients));
  });
  app.post('/auth/select-patient', async (request, reply) => {
    const form = onlyStrings(request.body);
    const pending = await authorizeService.pending(form['request']);
    if (!pending?.user) return expired(reply);
    const patientId = form['patientId'] ?? '';
    if (!(await store.read('Patient', patientId))) {
      return errorPage(reply, 400, 'Unknown patient', 'Choose a patient from the list.');
    }
    await authorizeService.selectPatient(pending, patientId);
    const next = await authorizeService.pending(pending.id);
    return reply.redirect(await authorizeService.nextStep(next ?? pending), 303);
  });
  app.get('/auth/consent', async (request, reply) => {
    const pending = await authorizeService.pending(onlyStrings(request.query)['request']);
    if (!pending?.user) return expired(reply);
    return reply
      .type(htmlType)
      .send(
        renderConsentPage(
          pending.id,
          pending.client.name,
          pending.user.displayName,
          pending.granted,
        ),
      );
  });
  app.post('/auth/consent', async (request, reply) => {
    const form = onlyStrings(request.body);
    const pending = await authorizeService.pending(form['request']);
    if (!pending?.user) return expired(reply);
    const checked = Object.entries(form)
      .filter(([name]) => name.startsWith('scope_'))
      .map(([, value]) => value ?? '');
    const location = await authorizeService.decide(
      pending,
      form['decision'] === 'approve',
      checked,
    );
    return reply.redirect(location, 303);
  });

  app.post('/auth/token', async (request, reply) => {
    const form = onlyStrings(request.body) as TokenForm;
    const authorization = request.headers.authorization;
    const context = await tokenEndpoint.context(form, authorization);
    // Row 48 (athena ISSUE O7, eCW ISSUE W4): those profiles send no CORS headers here.
    if (context.profile.tokenEndpointCors) allowAnyOrigin(reply);
    // TOKEN-04: token responses, success or error, are never cached.
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    const { faults, profile } = context;
    if (faults.latencyMs) await delay(faults.latencyMs);
    if (faults.tokenEndpointTimeoutMs) {
      // Fault injection: the endpoint never answers; the connection drops after the delay.
      await delay(faults.tokenEndpointTimeoutMs);
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    try {
      if (faults.tokenEndpointStatus) {
        throw new ServerUnavailableError(
          faults.tokenEndpointStatus,
          `The token endpoint is failing with ${faults.tokenEndpointStatus} (fault injection).`,
          faults.tokenEndpointStatus === 503 ? 30 : undefined,
        );
      }
      // Row 46 (athena, DOC A1): token requests per client are rate-limited (429).
      if (profile.tokenRequestsPerMinute && context.clientId) {
        const window = (rateWindows.get(context.clientId) ?? []).filter(
          (at) => at > now() - 60_000,
        );
        window.push(now());
        rateWindows.set(context.clientId, window);
        if (window.length > profile.tokenRequestsPerMinute) {
          throw new ServerUnavailableError(429, 'Too many token requests; retry later.', 60);
        }
      }
      // TOKEN-01: the body must be application/x-www-form-urlencoded.
      if (!isFormEncoded(request)) {
        throw new InvalidRequestError(
          'The token request must be application/x-www-form-urlencoded.',
        );
      }
      const body = await tokenEndpoint.exchange(form, authorization, context);
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
        .send({
          error: error.error,
          error_description: error.description,
          // Row 51 (Oracle, DOC C1): errors carry an error_uri.
          ...(profile.errorUri ? { error_uri: profile.errorUri } : {}),
        });
    }
  });

  const oauthErrorReply = (reply: FastifyReply, error: unknown) => {
    if (!(error instanceof OAuthServerError)) throw error;
    return reply
      .code(error.status)
      .headers(error.headers)
      .type('application/json')
      .send({ error: error.error, error_description: error.description });
  };

  // INTRO-01..04: RFC 7662 introspection.
  app.post('/auth/introspect', async (request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Cache-Control', 'no-store');
    try {
      if (!isFormEncoded(request)) {
        throw new InvalidRequestError(
          'The introspection request must be application/x-www-form-urlencoded.',
        );
      }
      const form = onlyStrings(request.body);
      await introspection.authorizeIntrospection(form, request.headers.authorization);
      return reply.type('application/json').send(await introspection.introspect(form['token']));
    } catch (error) {
      return oauthErrorReply(reply, error);
    }
  });

  // INTRO-05: RFC 7009 revocation.
  app.post('/auth/revoke', async (request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Cache-Control', 'no-store');
    try {
      if (!isFormEncoded(request)) {
        throw new InvalidRequestError(
          'The revocation request must be application/x-www-form-urlencoded.',
        );
      }
      await introspection.revoke(onlyStrings(request.body), request.headers.authorization);
      return reply.code(200).send();
    } catch (error) {
      return oauthErrorReply(reply, error);
    }
  });

  // RFC 7591 dynamic registration, for development.
  app.post('/auth/register', async (request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Cache-Control', 'no-store');
    try {
      return reply
        .code(201)
        .type('application/json')
        .send(await registerClient(prisma, request.body, now));
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      return reply
        .code(400)
        .type('application/json')
        .send({ error: error.error, error_description: error.description });
    }
  });

  registerDevRoutes(app, services);

  // Expired codes, jtis, revocations and abandoned sign-ins are deleted every ten minutes.
  const housekeeping = setInterval(() => {
    purgeExpiredAuthRows(prisma, now).catch((error: unknown) =>
      app.log.warn({ err: error }, 'auth housekeeping failed'),
    );
  }, 600_000);
  housekeeping.unref();
  app.addHook('onClose', async () => clearInterval(housekeeping));
}
