import type { FastifyInstance, FastifyReply } from 'fastify';

import {
  authEndpoints,
  openIdConfiguration,
  smartConfiguration,
  smartStyle,
} from '../fhir/discovery.js';
import { allowAnyOrigin, isFormEncoded, onlyStrings } from '../http/fhir-http.js';
import { renderAuthorizationErrorPage } from '../launcher/launcher.pages.js';
import type { SandboxServices } from '../services.js';
import { AuthorizeService, type AuthorizeParams } from './authorize.service.js';
import { InvalidRedirectUriError, InvalidRequestError, OAuthServerError } from './oauth-errors.js';
import { TokenEndpointService, type TokenForm } from './token-endpoint.service.js';

/** The authorization server: discovery documents, JWKS, authorize and token endpoints. */
export function registerAuthRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { config, prisma, keys, tokens, now } = services;
  const authorizeService = new AuthorizeService(config, prisma, now);
  const tokenEndpoint = new TokenEndpointService(
    prisma,
    tokens,
    authEndpoints(config).smart_style_url,
    now,
  );

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
}
