import type { FastifyInstance } from 'fastify';

import type { Patient } from '@bedside/fhir-model';

import { LAUNCHER_FAULTS } from '../auth/faults.js';
import { isVendorProfileName } from '../auth/profiles.js';
import { randomToken } from '../auth/secrets.js';
import { onlyStrings } from '../http/fhir-http.js';
import type { SandboxServices } from '../services.js';
import { renderEhrFrame, renderLauncher, renderNotFoundPage } from './launcher.pages.js';

/** The EHR's own UI: the launcher and the chart view that embeds the app. */
export function registerLauncherRoutes(app: FastifyInstance, services: SandboxServices): void {
  const { config, prisma, store, now } = services;

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
        // The launcher's vendor profile and fault choices apply to this launch only.
        profile: isVendorProfileName(form['profile']) ? form['profile'] : client.profile,
        ...(form['fault'] && LAUNCHER_FAULTS[form['fault']]
          ? { faults: LAUNCHER_FAULTS[form['fault']]?.faults }
          : {}),
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
}
