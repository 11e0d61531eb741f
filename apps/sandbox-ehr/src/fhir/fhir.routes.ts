import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { InvalidAccessTokenError, type AccessTokenClaims } from '../auth/tokens.js';
import { allowAnyOrigin, fhirJson, sendOutcome } from '../http/fhir-http.js';
import type { SandboxServices } from '../services.js';
import { capabilityStatement } from './discovery.js';
import { decideRead, decideTypeRead, readableResourceTypes } from './read-access.js';

/**
 * RS-01/RS-04 and RFC 6750 §3.1: no token gets a plain challenge; a bad token gets
 * error="invalid_token". Either way the body is an OperationOutcome.
 * @returns the token's claims, or undefined after answering 401.
 */
export async function authenticateBearer(
  services: SandboxServices,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<AccessTokenClaims | undefined> {
  const realm = services.config.fhirBaseUrl;
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) {
    reply.header('WWW-Authenticate', `Bearer realm="${realm}"`);
    sendOutcome(reply, 'login', 'This FHIR server needs an access token (Authorization: Bearer).');
    return undefined;
  }
  try {
    return await services.tokens.verifyAccessToken(header.slice(7).trim());
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error;
    reply.header(
      'WWW-Authenticate',
      `Bearer realm="${realm}", error="invalid_token", error_description="${error.reason}"`,
    );
    sendOutcome(reply, 'login', error.reason);
    return undefined;
  }
}

/** The FHIR R4 API: CapabilityStatement and reads, every request checked against its token. */
export function registerFhirRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { config, store } = services;

  app.get('/fhir/metadata', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type(fhirJson).send(capabilityStatement(config, readableResourceTypes));
  });

  app.get<{ Params: { type: string; id: string } }>('/fhir/:type/:id', async (request, reply) => {
    allowAnyOrigin(reply);
    reply.header('Cache-Control', 'no-store');
    const claims = await authenticateBearer(services, request, reply);
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
}
