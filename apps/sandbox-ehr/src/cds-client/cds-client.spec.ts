import { createServer, type Server } from 'node:http';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  createCachedJwksFetcher,
  createMemoryReplayCache,
  verifyCdsClientJwt,
  type VerifiedCdsClient,
} from '@bedside/cds-hooks';

import { freePort, startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ResourceStore } from '../fhir/resource-store.js';
import { seedCdsDemoRecords } from '../seed/cds-demo-records.js';

interface Received {
  path: string;
  client: VerifiedCdsClient | { error: string };
  body: Record<string, unknown> | undefined;
}

/** A CDS service that verifies the sandbox's JWTs for real and answers canned responses. */
async function startFakeCdsService(port: number, sandboxUrl: string) {
  const received: Received[] = [];
  const responses = new Map<string, unknown>();
  const replayCache = createMemoryReplayCache();
  const fetchJwks = createCachedJwksFetcher({ fetch: (url, init) => fetch(url, init) });
  const base = `http://127.0.0.1:${port}/cds-services`;
  const discovery = {
    services: [
      {
        hook: 'patient-view',
        id: 'pv',
        description: 'patient view',
        prefetch: {
          patient: 'Patient/{{context.patientId}}',
          observations: 'Observation?patient={{context.patientId}}&code=2093-3,2085-9&_sort=-date',
          allergies: 'AllergyIntolerance?patient={{context.patientId}}&clinical-status=active',
          encounter: 'Encounter/{{context.encounterId}}',
        },
      },
      {
        hook: 'order-select',
        id: 'os',
        description: 'order select',
        prefetch: { patient: 'Patient/{{context.patientId}}' },
      },
      {
        hook: 'order-sign',
        id: 'sign',
        description: 'order sign',
        prefetch: {
          allergies: 'AllergyIntolerance?patient={{context.patientId}}&clinical-status=active',
        },
      },
    ],
  };
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      void (async () => {
        const path = request.url ?? '';
        let client: Received['client'];
        try {
          client = await verifyCdsClientJwt(
            (request.headers.authorization ?? '').replace(/^Bearer /, ''),
            {
              audience: `http://127.0.0.1:${port}${path}`,
              trustedIssuers: [
                { iss: sandboxUrl, allowedJku: [`${sandboxUrl}/cds-client/jwks.json`] },
              ],
              fetchJwks,
              replayCache,
            },
          );
        } catch (error) {
          client = { error: (error as Error).message };
        }
        received.push({
          path,
          client,
          body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
        });
        response.writeHead(200, { 'content-type': 'application/json' });
        if (path === '/cds-services') response.end(JSON.stringify(discovery));
        else if (path.endsWith('/feedback')) response.end('{}');
        else
          response.end(JSON.stringify(responses.get(path.split('/').pop() ?? '') ?? { cards: [] }));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    base,
    received,
    responses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let sandbox: SandboxHarness;
let cds: Awaited<ReturnType<typeof startFakeCdsService>>;
const omar = 'pat-omar-haddad';

beforeAll(async () => {
  const port = await freePort();
  sandbox = await startSandbox({
    SANDBOX_CDS_SERVICES_URL: `http://127.0.0.1:${port}/cds-services`,
  });
  await seedCdsDemoRecords(new ResourceStore(sandbox.prisma));
  cds = await startFakeCdsService(port, sandbox.baseUrl);
});
afterAll(async () => {
  await cds?.close();
  await sandbox?.close();
});
beforeEach(() => {
  cds.received.length = 0;
  cds.responses.clear();
});

const allergyCard = (order: string) => ({
  uuid: '9368d37b-283f-44a0-93ea-547cebab93ed',
  summary: 'Penicillin allergy (high criticality): amoxicillin order may cause a reaction',
  indicator: 'critical',
  source: { label: 'Bedside Medication Safety' },
  suggestions: [
    {
      label: 'Replace with azithromycin',
      uuid: 'e56e1945-20b3-4393-8503-a1a20fd73152',
      actions: [
        { type: 'delete', description: 'Remove the draft amoxicillin order', resourceId: order },
        {
          type: 'create',
          description: 'Add a draft azithromycin order',
          resource: {
            resourceType: 'MedicationRequest',
            id: 'draft-azith-1',
            status: 'draft',
            intent: 'order',
            medicationCodeableConcept: { text: 'azithromycin 250 mg tablet' },
            subject: { reference: `Patient/${omar}` },
          },
        },
      ],
    },
    {
      label: 'Remove the amoxicillin order',
      uuid: '0c4d9f3b-6a8e-4f0b-b1a2-7d5e3c9f8a61',
      actions: [{ type: 'delete', description: 'Remove', resourceId: order }],
    },
  ],
  selectionBehavior: 'at-most-one',
  overrideReasons: [
    {
      system: 'https://bedside.example.org/CodeSystem/override-reason',
      code: 'tolerated-before',
      display: 'Patient has tolerated this drug before',
    },
  ],
});

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  };
}

describe('sandbox CDS client: patient-view when a chart opens', () => {
  it('discovers, signs RS384 with jku, sends prefetch per the templates, and renders the cards', async () => {
    cds.responses.set('pv', {
      cards: [
        {
          uuid: 'c-1',
          summary: '10-year ASCVD risk 20.1% (≥ 7.5%) and no statin',
          indicator: 'warning',
          source: { label: 'Bedside' },
        },
        {
          uuid: 'c-2',
          summary: 'Broken card',
          indicator: 'warning',
          source: { label: 'Bedside' },
          suggestions: [{ label: 'x' }],
          selectionBehavior: 'exactly-one',
        },
        {
          uuid: 'c-3',
          summary: 'Open the Bedside patient summary',
          indicator: 'info',
          source: { label: 'Bedside' },
          links: [
            { label: 'Open Bedside', url: 'http://app.test:3000/launch', type: 'smart' },
            { label: 'Unknown app', url: 'https://unknown.test/launch', type: 'smart' },
          ],
        },
      ],
    });
    const page = await (await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}`)).text();
    expect(page).toContain('10-year ASCVD risk 20.1% (≥ 7.5%) and no statin');
    // CARD-4: a card with an unknown selectionBehavior is dropped.
    expect(page).not.toContain('Broken card');
    // LINK-2/3: the registered app opens through the launcher; the unknown one is dropped.
    expect(page).toContain('action="/launcher/launch"');
    expect(page).toContain('value="bedside-web"');
    expect(page).not.toContain('Unknown app');

    const [discovery, call] = cds.received;
    expect(discovery?.path).toBe('/cds-services');
    expect(call?.path).toBe('/cds-services/pv');
    expect(call?.client).toMatchObject({
      issuer: sandbox.baseUrl,
      alg: 'RS384',
      jku: `${sandbox.baseUrl}/cds-client/jwks.json`,
    });
    const body = call?.body as {
      hook: string;
      hookInstance: string;
      context: object;
      prefetch: Record<string, { resourceType: string; entry?: { resource: { id: string } }[] }>;
      fhirServer: string;
      fhirAuthorization: { patient: string; token_type: string };
    };
    expect(body.hook).toBe('patient-view');
    expect(body.hookInstance).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(body.context).toEqual({ userId: 'Practitioner/practitioner-ann-lee', patientId: omar });
    expect(body.fhirServer).toBe(sandbox.fhirBaseUrl);
    expect(body.fhirAuthorization).toMatchObject({
      token_type: 'Bearer',
      patient: omar,
      subject: 'bedside-cds',
    });
    // PF-3: the encounter template cannot be resolved (no encounterId) and is left out.
    expect(Object.keys(body.prefetch).sort()).toEqual(['allergies', 'observations', 'patient']);
    expect(body.prefetch['patient']).toMatchObject({ resourceType: 'Patient', id: omar });
    expect(body.prefetch['observations']?.entry?.map((e) => e.resource.id).sort()).toEqual([
      'cds-hdl-omar-haddad',
      'cds-tc-omar-haddad',
    ]);
    expect(body.prefetch['allergies']?.entry?.map((e) => e.resource.id)).toEqual([
      'cds-pcn-omar-haddad',
    ]);
  });

  it('REQ-4: every call has a new hookInstance', async () => {
    await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}`);
    await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}`);
    const instances = cds.received
      .filter((r) => r.path === '/cds-services/pv')
      .map((r) => r.body?.['hookInstance']);
    expect(instances).toHaveLength(2);
    expect(new Set(instances).size).toBe(2);
  });

  it('serves its public key at the jku', async () => {
    const jwks = (await (await fetch(`${sandbox.baseUrl}/cds-client/jwks.json`)).json()) as {
      keys: { kty: string; alg: string; d?: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS384' });
    expect(jwks.keys[0]?.d).toBeUndefined();
  });
});

describe('sandbox CDS client: order entry, order-select, order-sign, suggestions, feedback', () => {
  it('an added order fires order-select; signing fires order-sign; accepting applies delete then create and posts feedback', async () => {
    const added = await fetch(
      `${sandbox.baseUrl}/cds-client/patients/${omar}/orders`,
      form({ orderable: 'amoxicillin' }),
    );
    expect(added.status).toBe(303);
    const select = cds.received.find((r) => r.path === '/cds-services/os');
    const selectContext = select?.body?.['context'] as {
      selections: string[];
      draftOrders: { entry: { resource: { id: string } }[] };
    };
    expect(selectContext.selections).toHaveLength(1);
    const orderRef = selectContext.selections[0] ?? '';
    expect(orderRef).toMatch(/^MedicationRequest\/draft-amoxicillin-/);
    expect(
      selectContext.draftOrders.entry.map((e) => `MedicationRequest/${e.resource.id}`),
    ).toContain(orderRef);

    cds.responses.set('sign', { cards: [allergyCard(orderRef)] });
    const signed = await fetch(
      `${sandbox.baseUrl}/cds-client/patients/${omar}/orders/sign`,
      form({}),
    );
    expect(signed.status).toBe(303);
    const sign = cds.received.find((r) => r.path === '/cds-services/sign');
    expect(
      (sign?.body?.['context'] as { draftOrders: { entry: unknown[] } }).draftOrders.entry,
    ).toHaveLength(1);
    const ordersPage = await (
      await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}/orders`)
    ).text();
    expect(ordersPage).toContain('Penicillin allergy (high criticality)');
    expect(ordersPage).toContain(orderRef);
    const hookInstance = /name="hookInstance" value="([0-9a-f-]+)"/.exec(ordersPage)?.[1] ?? '';

    const accepted = await fetch(
      `${sandbox.baseUrl}/cds-client/cards/accept`,
      form({
        hookInstance,
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        suggestion: 'e56e1945-20b3-4393-8503-a1a20fd73152',
        returnTo: `/cds-client/patients/${omar}/orders`,
      }),
    );
    expect(accepted.status).toBe(303);
    const [type, id] = orderRef.split('/') as [string, string];
    const data = await sandbox.prisma.fhirResource.findMany({
      where: { resourceType: type, id: { in: [id, 'draft-azith-1'] } },
    });
    expect(data.map((row) => row.id)).toEqual(['draft-azith-1']);
    const feedback = cds.received.find((r) => r.path === '/cds-services/sign/feedback');
    expect(feedback?.client).toMatchObject({ issuer: sandbox.baseUrl });
    expect(feedback?.body).toEqual({
      feedback: [
        {
          card: '9368d37b-283f-44a0-93ea-547cebab93ed',
          outcome: 'accepted',
          acceptedSuggestions: [{ id: 'e56e1945-20b3-4393-8503-a1a20fd73152' }],
          outcomeTimestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
        },
      ],
    });
    const after = await (
      await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}/orders`)
    ).text();
    expect(after).not.toContain('Penicillin allergy (high criticality)');
    expect(after).not.toContain(orderRef);
  });

  it('dismissing with an override reason sends the full Coding (FB-5)', async () => {
    await fetch(
      `${sandbox.baseUrl}/cds-client/patients/${omar}/orders`,
      form({ orderable: 'amoxicillin' }),
    );
    const orderRef =
      (
        cds.received.find((r) => r.path === '/cds-services/os')?.body?.['context'] as {
          selections: string[];
        }
      ).selections[0] ?? '';
    cds.responses.set('sign', { cards: [allergyCard(orderRef)] });
    await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}/orders/sign`, form({}));
    const page = await (
      await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}/orders`)
    ).text();
    const hookInstance = /name="hookInstance" value="([0-9a-f-]+)"/.exec(page)?.[1] ?? '';
    await fetch(
      `${sandbox.baseUrl}/cds-client/cards/override`,
      form({
        hookInstance,
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        reason: 'tolerated-before',
        returnTo: `/cds-client/patients/${omar}/orders`,
      }),
    );
    expect(cds.received.find((r) => r.path === '/cds-services/sign/feedback')?.body).toEqual({
      feedback: [
        {
          card: '9368d37b-283f-44a0-93ea-547cebab93ed',
          outcome: 'overridden',
          overrideReason: {
            reason: {
              system: 'https://bedside.example.org/CodeSystem/override-reason',
              code: 'tolerated-before',
              display: 'Patient has tolerated this drug before',
            },
          },
          outcomeTimestamp: expect.any(String),
        },
      ],
    });
    // Signing without changes makes the draft active.
    await fetch(`${sandbox.baseUrl}/cds-client/patients/${omar}/orders/sign`, form({ force: '1' }));
    const [, id] = orderRef.split('/');
    const row = await sandbox.prisma.fhirResource.findFirst({
      where: { resourceType: 'MedicationRequest', id: id ?? '' },
    });
    expect((row?.content as { status: string }).status).toBe('active');
  });

  it('a card action on an unknown hookInstance is refused with 409', async () => {
    const response = await fetch(
      `${sandbox.baseUrl}/cds-client/cards/accept`,
      form({ hookInstance: crypto.randomUUID(), card: 'x', suggestion: 'y' }),
    );
    expect(response.status).toBe(409);
  });
});
