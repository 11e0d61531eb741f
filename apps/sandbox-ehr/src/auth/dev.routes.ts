import type { FastifyInstance } from 'fastify';

import type { SandboxServices } from '../services.js';
import { faultsSchema, readFaults } from './faults.js';
import { isVendorProfileName, VENDOR_PROFILES } from './profiles.js';

type ClientParams = { Params: { clientId: string } };

/**
 * Development API: per-client fault injection and vendor profile.
 * `PUT /auth/dev/clients/:id/faults` replaces the faults (JSON, see faults.ts), `GET` reads them,
 * `DELETE` clears them; `PUT /auth/dev/clients/:id/profile` with `{ "profile": "epic" }`.
 */
export function registerDevRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { prisma } = services;

  const findClient = (clientId: string) => prisma.sandboxClient.findUnique({ where: { clientId } });
  const notFound = { error: 'not_found', error_description: 'No such client.' };

  app.get<ClientParams>('/auth/dev/clients/:clientId/faults', async (request, reply) => {
    const client = await findClient(request.params.clientId);
    if (!client) return reply.code(404).send(notFound);
    return reply.send(readFaults(client.faults));
  });

  app.put<ClientParams>('/auth/dev/clients/:clientId/faults', async (request, reply) => {
    const parsed = faultsSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
          .join('; '),
      });
    }
    if (!(await findClient(request.params.clientId))) return reply.code(404).send(notFound);
    await prisma.sandboxClient.update({
      where: { clientId: request.params.clientId },
      data: { faults: parsed.data },
    });
    return reply.send(parsed.data);
  });

  app.delete<ClientParams>('/auth/dev/clients/:clientId/faults', async (request, reply) => {
    if (!(await findClient(request.params.clientId))) return reply.code(404).send(notFound);
    await prisma.sandboxClient.update({
      where: { clientId: request.params.clientId },
      data: { faults: {} },
    });
    return reply.code(204).send();
  });

  app.put<ClientParams>('/auth/dev/clients/:clientId/profile', async (request, reply) => {
    const profile = (request.body as { profile?: unknown } | undefined)?.profile;
    if (!isVendorProfileName(profile)) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: `profile must be one of ${VENDOR_PROFILES.join(', ')}.`,
      });
    }
    if (!(await findClient(request.params.clientId))) return reply.code(404).send(notFound);
    await prisma.sandboxClient.update({
      where: { clientId: request.params.clientId },
      data: { profile },
    });
    return reply.send({ profile });
  });
}
