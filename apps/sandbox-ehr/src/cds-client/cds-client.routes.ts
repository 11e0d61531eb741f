import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply } from 'fastify';

import type { Patient, Resource } from '@bedside/fhir-model';

import { onlyStrings } from '../http/fhir-http.js';
import { renderNotFoundPage } from '../launcher/launcher.pages.js';
import type { SandboxServices } from '../services.js';
import { CdsClient } from './cds-client.service.js';
import {
  ORDERABLES,
  renderChart,
  renderOrders,
  renderPatientList,
  type Orderable,
} from './cds-client.pages.js';

const practitioner = 'Practitioner/practitioner-ann-lee';

/** Only paths inside the CDS client are valid `returnTo` targets (no open redirect). */
function safeReturn(value: string | undefined, fallback: string): string {
  return value !== undefined && /^\/cds-client\/[A-Za-z0-9/_.?=&-]*$/.test(value)
    ? value
    : fallback;
}

/**
 * The sandbox EHR's CDS client screens: a chart that fires patient-view when it opens, and a
 * small order-entry screen that fires order-select when an order is added and order-sign when
 * the orders are signed. Cards, suggestions, dismissals and SMART links work from both.
 */
export function registerCdsClientRoutes(
  app: FastifyInstance,
  services: SandboxServices,
  client: CdsClient = new CdsClient(services, undefined, app.log),
): void {
  const { prisma, store } = services;

  const appsByLaunchUrl = async (): Promise<Map<string, string>> => {
    const clients = await prisma.sandboxClient.findMany({ where: { launchUrl: { not: null } } });
    return new Map(clients.map((c) => [c.launchUrl ?? '', c.clientId]));
  };
  const patientOr404 = async (id: string, reply: FastifyReply): Promise<Patient | undefined> => {
    const patient = (await store.read('Patient', id)) as Patient | undefined;
    if (!patient) {
      await reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(renderNotFoundPage(`Patient/${id} does not exist.`));
    }
    return patient;
  };
  const drafts = async (patientId: string): Promise<Resource[]> => {
    const query = new URLSearchParams({ patient: patientId, status: 'draft' });
    const [meds, services_] = await Promise.all([
      client.data.search('MedicationRequest', query),
      client.data.search('ServiceRequest', query),
    ]);
    return [...meds, ...services_];
  };
  const draftBundle = (orders: readonly Resource[]) => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: orders.map((resource) => ({ resource })),
  });

  app.get('/cds-client/jwks.json', async (_request, reply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Cache-Control', 'public, max-age=60');
    return reply.type('application/json').send(await client.keys.jwks());
  });

  app.get('/cds-client/', async (_request, reply) => {
    const patients = await store.listPatients();
    return reply
      .type('text/html; charset=utf-8')
      .send(renderPatientList(patients, client.discoveryUrl !== undefined));
  });

  app.get<{ Params: { patientId: string }; Querystring: { refresh?: string } }>(
    '/cds-client/patients/:patientId',
    async (request, reply) => {
      const patient = await patientOr404(request.params.patientId, reply);
      if (!patient?.id) return reply;
      // patient-view fires when the chart opens (not when coming back from a card action).
      const exchanges =
        request.query.refresh === '0'
          ? await client.latest(patient.id, 'chart')
          : await client.fire(
              'patient-view',
              { userId: practitioner, patientId: patient.id },
              'chart',
            );
      return reply
        .type('text/html; charset=utf-8')
        .send(renderChart(patient, exchanges, await appsByLaunchUrl()));
    },
  );

  app.get<{ Params: { patientId: string } }>(
    '/cds-client/patients/:patientId/orders',
    async (request, reply) => {
      const patient = await patientOr404(request.params.patientId, reply);
      if (!patient?.id) return reply;
      const [orders, exchanges, apps] = await Promise.all([
        drafts(patient.id),
        client.latest(patient.id, 'orders'),
        appsByLaunchUrl(),
      ]);
      return reply
        .type('text/html; charset=utf-8')
        .send(renderOrders(patient, orders, exchanges, apps));
    },
  );

  app.post<{ Params: { patientId: string } }>(
    '/cds-client/patients/:patientId/orders',
    async (request, reply) => {
      const patient = await patientOr404(request.params.patientId, reply);
      if (!patient?.id) return reply;
      const key = onlyStrings(request.body)['orderable'];
      const item =
        key !== undefined && Object.hasOwn(ORDERABLES, key)
          ? ORDERABLES[key as Orderable]
          : undefined;
      if (!item)
        return reply
          .code(400)
          .type('text/html; charset=utf-8')
          .send(renderNotFoundPage('Choose an order.'));
      const id = `draft-${key}-${randomUUID().slice(0, 8)}`;
      const common = {
        id,
        status: 'draft',
        intent: 'order',
        subject: { reference: `Patient/${patient.id}` },
        requester: { reference: practitioner },
        authoredOn: new Date(services.now()).toISOString(),
      };
      const order: Resource & { id: string } =
        item.resourceType === 'MedicationRequest'
          ? {
              resourceType: 'MedicationRequest',
              ...common,
              medicationCodeableConcept: { coding: [item.coding], text: item.label },
              dosageInstruction: [{ text: item.dosage }],
            }
          : {
              resourceType: 'ServiceRequest',
              ...common,
              category: [
                {
                  coding: [
                    { system: 'http://snomed.info/sct', code: '363679005', display: 'Imaging' },
                  ],
                },
              ],
              code: { coding: [item.coding], text: item.label },
            };
      await client.data.upsert(order);
      const all = await drafts(patient.id);
      await client.fire(
        'order-select',
        {
          userId: practitioner,
          patientId: patient.id,
          selections: [`${order.resourceType}/${id}`],
          draftOrders: draftBundle(all),
        },
        'orders',
      );
      return reply.redirect(`/cds-client/patients/${patient.id}/orders`, 303);
    },
  );

  app.post<{ Params: { patientId: string } }>(
    '/cds-client/patients/:patientId/orders/sign',
    async (request, reply) => {
      const patient = await patientOr404(request.params.patientId, reply);
      if (!patient?.id) return reply;
      const orders = await drafts(patient.id);
      const force = onlyStrings(request.body)['force'] === '1';
      let blocking = 0;
      if (!force && orders.length > 0) {
        const exchanges = await client.fire(
          'order-sign',
          { userId: practitioner, patientId: patient.id, draftOrders: draftBundle(orders) },
          'orders',
        );
        blocking = exchanges.reduce(
          (n, e) => n + e.cards.filter((c) => c.indicator !== 'info').length,
          0,
        );
      }
      // Orders are signed unless a warning or critical card asks the clinician to decide first.
      if (blocking === 0) {
        for (const order of await drafts(patient.id)) {
          await client.data.upsert({ ...order, id: order.id ?? randomUUID(), status: 'active' });
        }
      }
      return reply.redirect(`/cds-client/patients/${patient.id}/orders`, 303);
    },
  );

  app.post('/cds-client/cards/accept', async (request, reply) => {
    const form = onlyStrings(request.body);
    try {
      await client.accept(form['hookInstance'] ?? '', form['card'] ?? '', form['suggestion'] ?? '');
    } catch (error) {
      return reply
        .code(409)
        .type('text/html; charset=utf-8')
        .send(renderNotFoundPage((error as Error).message));
    }
    return reply.redirect(safeReturn(form['returnTo'], '/cds-client/'), 303);
  });

  app.post('/cds-client/cards/override', async (request, reply) => {
    const form = onlyStrings(request.body);
    try {
      await client.override(
        form['hookInstance'] ?? '',
        form['card'] ?? '',
        form['reason'] || undefined,
        form['comment'] || undefined,
      );
    } catch (error) {
      return reply
        .code(409)
        .type('text/html; charset=utf-8')
        .send(renderNotFoundPage((error as Error).message));
    }
    return reply.redirect(safeReturn(form['returnTo'], '/cds-client/'), 303);
  });
}
