import type { FastifyReply, FastifyRequest } from 'fastify';

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF defence for the API. The session cookie is SameSite=None (it must work inside the EHR's
 * iframe), so a cross-site form could carry it. State-changing calls therefore need the
 * `x-bedside-session` header (a cross-origin page cannot set it without a CORS preflight, which
 * the BFF never grants) and, when the browser sends an Origin, it must be the app's own.
 * See: OWASP CSRF Prevention Cheat Sheet, "Custom request headers" and "Verifying origin".
 */
export function csrfCheck(appOrigin: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!stateChanging.has(request.method) || !request.url.startsWith('/api/')) return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== appOrigin) {
      await reply
        .code(403)
        .send({ error: 'csrf', message: `Origin ${origin} may not change data here.` });
      return;
    }
    if (typeof request.headers['x-bedside-session'] !== 'string') {
      await reply.code(403).send({
        error: 'csrf',
        message: 'State-changing calls need the x-bedside-session header.',
      });
    }
  };
}
