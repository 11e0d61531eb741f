import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { createOperationOutcome, type Resource } from '@bedside/fhir-model';

import { InvalidAccessTokenError, type AccessTokenClaims } from '../auth/tokens.js';
import { allowAnyOrigin, fhirJson, sendOutcome } from '../http/fhir-http.js';
import type { SandboxServices } from '../services.js';
import { historyBundle, searchsetBundle } from './bundles.js';
import { capabilityStatement } from './discovery.js';
import { registerExportRoutes } from './export.routes.js';
import { FhirError, fhirErrors } from './fhir-error.js';
import {
  authorizeResource,
  authorizeSearch,
  authorizeType,
  readableResourceTypes,
} from './read-access.js';
import type { StoredResource } from './resource-store.js';
import { runSearch } from './search.js';
import { validateResource } from './validate.js';

/**
 * Verifying an RS256 signature costs more than the read it guards: a verified token's signature
 * check is reused for up to a minute (never past exp); revocation is still checked each time.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const verifiedTokens = new Map<string, { claims: AccessTokenClaims; until: number }>();

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
  const token = header.slice(7).trim();
  try {
    const verified = verifiedTokens.get(token);
    if (verified && verified.until > services.now()) {
      // INTRO-05: revocation is checked on every request, cached or not.
      if (await services.tokens.isRevoked(verified.claims)) {
        verifiedTokens.delete(token);
        throw new InvalidAccessTokenError('The access token was revoked.');
      }
      return verified.claims;
    }
    const claims = await services.tokens.verifyAccessToken(token);
    if (verifiedTokens.size >= 10_000) verifiedTokens.clear();
    // RS-01: the signature, issuer and audience checks are kept at most until the token's exp.
    verifiedTokens.set(token, {
      claims,
      until: Math.min(services.now() + VERIFIED_TOKEN_TTL_MS, (claims.exp ?? 0) * 1000),
    });
    return claims;
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

/** Answers a thrown FhirError as its OperationOutcome; rethrows anything else. */
export function sendFhirError(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof FhirError)) throw error;
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .type(fhirJson)
    .send(createOperationOutcome(error.code, error.message));
}

type Handler<P> = (
  request: FastifyRequest<{ Params: P }>,
  reply: FastifyReply,
  claims: AccessTokenClaims,
) => Promise<FastifyReply>;

/** Query pairs in request order, repeated names kept (FHIR: repeated parameters AND). */
export function queryPairs(url: string): [string, string][] {
  const question = url.indexOf('?');
  if (question < 0) return [];
  return [...new URLSearchParams(url.slice(question + 1))];
}

function bodyPairs(body: unknown): [string, string][] {
  if (typeof body !== 'object' || body === null) return [];
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') pairs.push([key, item]);
    }
  }
  return pairs;
}

function preferStrict(request: FastifyRequest): boolean {
  return /handling\s*=\s*strict/i.test(String(request.headers['prefer'] ?? ''));
}

function checkType(type: string): void {
  if (!readableResourceTypes.includes(type)) {
    throw new FhirError('not-supported', `Resource type ${type} is not supported here.`, 404);
  }
}

function sendResource(reply: FastifyReply, resource: StoredResource, json?: string, status = 200) {
  return reply
    .code(status)
    .type(fhirJson)
    .header('ETag', `W/"${resource.meta.versionId}"`)
    .header('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString())
    .send(json ?? JSON.stringify(resource));
}

function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?([0-9]+)"?$/.exec(header.trim());
  if (!match) throw fhirErrors.invalid(`If-Match "${header}" is not an ETag like W/"3".`);
  return match[1];
}

/** The FHIR R4 REST API: every request checked against its token. See: FHIR R4 §http. */
export function registerFhirRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { config, store } = services;

  const route =
    <P>(handler: Handler<P>) =>
    async (request: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
      allowAnyOrigin(reply);
      reply.header('Cache-Control', 'no-store');
      const claims = await authenticateBearer(services, request, reply);
      if (!claims) return reply;
      try {
        return await handler(request, reply, claims);
      } catch (error) {
        return sendFhirError(reply, error);
      }
    };

  registerExportRoutes(app, services);

  app.get('/fhir/metadata', async (_request, reply) => {
    allowAnyOrigin(reply);
    return reply.type(fhirJson).send(capabilityStatement(config, readableResourceTypes));
  });

  const search = async (
    type: string,
    params: [string, string][],
    request: FastifyRequest,
    reply: FastifyReply,
    claims: AccessTokenClaims,
  ) => {
    checkType(type);
    const restriction = authorizeSearch(claims, type, params);
    const result = await runSearch(store.sql, {
      resourceType: type,
      params,
      strict: preferStrict(request),
      restriction,
    });
    const includes = result.includes.filter((match) => {
      try {
        authorizeResource(claims, JSON.parse(match.json) as Resource, 'read');
        return true;
      } catch {
        return false;
      }
    });
    return reply.type(fhirJson).send(searchsetBundle(config.fhirBaseUrl, type, result, includes));
  };

  app.get<{ Params: { type: string } }>(
    '/fhir/:type',
    route(async (request, reply, claims) =>
      search(request.params.type, queryPairs(request.url), request, reply, claims),
    ),
  );

  app.post<{ Params: { type: string } }>(
    '/fhir/:type/_search',
    route(async (request, reply, claims) =>
      search(
        request.params.type,
        [...queryPairs(request.url), ...bodyPairs(request.body)],
        request,
        reply,
        claims,
      ),
    ),
  );

  app.get<{ Params: { type: string; id: string } }>(
    '/fhir/:type/:id',
    route(async (request, reply, claims) => {
      const { type, id } = request.params;
      checkType(type);
      authorizeType(claims, type, 'read');
      const state = await store.state(type, id);
      if (state.kind === 'missing') throw fhirErrors.notFound(`${type}/${id} does not exist.`);
      if (state.kind === 'deleted') throw fhirErrors.gone(`${type}/${id} was deleted.`);
      authorizeResource(claims, state.resource, 'read');
      return sendResource(reply, state.resource, state.json);
    }),
  );

  app.get<{ Params: { type: string; id: string; vid: string } }>(
    '/fhir/:type/:id/_history/:vid',
    route(async (request, reply, claims) => {
      const { type, id, vid } = request.params;
      checkType(type);
      authorizeType(claims, type, 'vread');
      if (!/^\d+$/.test(vid)) throw fhirErrors.notFound(`${type}/${id} has no version ${vid}.`);
      const version = await store.vread(type, id, Number(vid));
      if (version === undefined) throw fhirErrors.notFound(`${type}/${id} has no version ${vid}.`);
      if (version === 'deleted')
        throw fhirErrors.gone(`${type}/${id} version ${vid} is a deletion.`);
      authorizeResource(claims, version, 'vread');
      return sendResource(reply, version);
    }),
  );

  app.get<{ Params: { type: string; id: string } }>(
    '/fhir/:type/:id/_history',
    route(async (request, reply, claims) => {
      const { type, id } = request.params;
      checkType(type);
      authorizeType(claims, type, 'history-instance');
      const entries = await store.history(type, id, 100);
      const latest = entries.find((entry) => entry.resource)?.resource;
      if (!latest) throw fhirErrors.notFound(`${type}/${id} does not exist.`);
      authorizeResource(claims, latest, 'history-instance');
      return reply.type(fhirJson).send(historyBundle(config.fhirBaseUrl, type, id, entries));
    }),
  );

  app.post<{ Params: { type: string } }>(
    '/fhir/:type',
    route(async (request, reply, claims) => {
      const { type } = request.params;
      checkType(type);
      authorizeType(claims, type, 'create');
      const resource = validateResource(request.body, type, undefined);
      authorizeResource(claims, resource, 'create');
      const condition = request.headers['if-none-exist'];
      if (typeof condition === 'string' && condition !== '') {
        const params = [...new URLSearchParams(condition.replace(/^[^?]*\?/, ''))];
        const restriction = authorizeSearch(claims, type, params);
        const found = await runSearch(store.sql, {
          resourceType: type,
          params: [...params, ['_count', '2']],
          strict: true,
          restriction,
        });
        if (found.matches.length > 1) {
          throw fhirErrors.preconditionFailed(
            `If-None-Exist "${condition}" matches ${found.total ?? 'several'} resources.`,
          );
        }
        const existing = found.matches[0];
        if (existing) {
          const stored = JSON.parse(existing.json) as StoredResource;
          return sendResource(reply, stored, existing.json, 200);
        }
      }
      const stored = await store.create(resource);
      reply.header(
        'Location',
        `${config.fhirBaseUrl}/${type}/${stored.id}/_history/${stored.meta.versionId}`,
      );
      return sendResource(reply, stored, undefined, 201);
    }),
  );

  app.put<{ Params: { type: string; id: string } }>(
    '/fhir/:type/:id',
    route(async (request, reply, claims) => {
      const { type, id } = request.params;
      checkType(type);
      authorizeType(claims, type, 'update');
      const resource = validateResource(request.body, type, id);
      authorizeResource(claims, resource, 'update');
      const current = await store.read(type, id);
      if (current) authorizeResource(claims, current, 'update');
      const ifMatch = parseIfMatch(request.headers['if-match']);
      const { resource: stored, created } = await store.update(
        { ...resource, id },
        ifMatch === undefined ? {} : { ifMatch },
      );
      if (created) {
        reply.header(
          'Location',
          `${config.fhirBaseUrl}/${type}/${id}/_history/${stored.meta.versionId}`,
        );
      }
      return sendResource(reply, stored, undefined, created ? 201 : 200);
    }),
  );

  app.delete<{ Params: { type: string; id: string } }>(
    '/fhir/:type/:id',
    route(async (request, reply, claims) => {
      const { type, id } = request.params;
      checkType(type);
      authorizeType(claims, type, 'delete');
      const state = await store.state(type, id);
      if (state.kind === 'missing') throw fhirErrors.notFound(`${type}/${id} does not exist.`);
      if (state.kind === 'deleted') return reply.code(204).send();
      authorizeResource(claims, state.resource, 'delete');
      const ifMatch = parseIfMatch(request.headers['if-match']);
      if (ifMatch !== undefined && ifMatch !== state.resource.meta.versionId) {
        throw fhirErrors.preconditionFailed(
          `If-Match W/"${ifMatch}" does not match the current version W/"${state.resource.meta.versionId}".`,
        );
      }
      await store.delete(type, id);
      return reply.code(204).send();
    }),
  );
}
