import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * CORS for browser-based CDS Clients (cds-hooks.md CORS-1): preflight answered without a JWT
 * (browsers send no Authorization on OPTIONS), and the headers on every answer, errors included,
 * so that the browser shows the real status. Origins come from an allow-list (`*` in development).
 */
export function registerCors(fastify: FastifyInstance, allowedOrigins: readonly string[]): void {
  const anyOrigin = allowedOrigins.includes('*');
  const allowOrigin = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    if (anyOrigin) {
      // No credentials are used (the JWT is a header), so `*` is valid here.
      reply.header('Access-Control-Allow-Origin', '*');
      return true;
    }
    if (!allowedOrigins.includes(origin)) return false;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Vary', 'Origin');
    return true;
  };

  fastify.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS') return;
    allowOrigin(request, reply);
    reply.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    reply.header('Access-Control-Max-Age', '600');
    await reply.code(204).send();
  });
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'OPTIONS' && allowOrigin(request, reply)) {
      reply.header('Access-Control-Expose-Headers', 'x-request-id');
    }
    return payload;
  });
}
