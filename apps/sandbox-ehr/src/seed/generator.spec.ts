import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Resource } from '@bedside/fhir-model';

import { fhirClient, matchIds, mintToken } from '../../test/fhir-client.js';
import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { importBundle, importNdjsonFolder } from '../fhir/importer.js';
import { ResourceStore } from '../fhir/resource-store.js';
import { generateIntoStore, generatePatient } from './generator.js';

const codes = (resource: Resource, path = 'code') =>
  (
    (resource[path] as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []
  ).map((c) => `${c.system}|${c.code}`);

describe('synthetic data generator (deterministic, US Core-shaped)', () => {
  it('is deterministic: the same seed and index give the same record', () => {
    expect(generatePatient(3, 17)).toEqual(generatePatient(3, 17));
    expect(generatePatient(3, 17)).not.toEqual(generatePatient(4, 17));
  });

  it('is clinically coherent across 300 patients', () => {
    let diabetics = 0;
    let statins = 0;
    for (let index = 0; index < 300; index++) {
      const record = generatePatient(1, index);
      const conditions = record.filter((r) => r.resourceType === 'Condition');
      const meds = record.filter((r) => r.resourceType === 'MedicationRequest');
      const observations = record.filter((r) => r.resourceType === 'Observation');
      const obsCodes = observations.flatMap((o) => codes(o));
      for (const condition of conditions) {
        expect(codes(condition).some((c) => c.startsWith('http://snomed.info/sct|'))).toBe(true);
        expect(
          codes(condition).some((c) => c.startsWith('http://hl7.org/fhir/sid/icd-10-cm|')),
        ).toBe(true);
      }
      const diabetic = conditions.some((c) => codes(c).includes('http://snomed.info/sct|44054006'));
      if (diabetic) {
        diabetics += 1;
        expect(obsCodes).toContain('http://loinc.org|4548-4');
        expect(meds.flatMap((m) => codes(m, 'medicationCodeableConcept'))).toContain(
          'http://www.nlm.nih.gov/research/umls/rxnorm|860975',
        );
      }
      if (
        meds.some((m) =>
          codes(m, 'medicationCodeableConcept').includes(
            'http://www.nlm.nih.gov/research/umls/rxnorm|617312',
          ),
        )
      ) {
        statins += 1;
      }
      for (const code of [
        '85354-9',
        '8867-4',
        '29463-7',
        '8302-2',
        '39156-5',
        '72166-2',
        '2093-3',
        '2085-9',
        '2160-0',
        '33914-3',
      ]) {
        expect(obsCodes).toContain(`http://loinc.org|${code}`);
      }
      const bp = observations.find((o) =>
        codes(o).includes('http://loinc.org|85354-9'),
      ) as Resource;
      expect((bp['component'] as Resource[]).map((c) => codes(c)[0])).toEqual([
        'http://loinc.org|8480-6',
        'http://loinc.org|8462-4',
      ]);
      const cholesterol = observations.find((o) =>
        codes(o).includes('http://loinc.org|2093-3'),
      ) as Resource;
      expect(cholesterol['referenceRange']).toEqual([
        { high: expect.objectContaining({ value: 200 }) },
      ]);
      expect(record.some((r) => r.resourceType === 'Immunization')).toBe(true);
    }
    expect(diabetics).toBeGreaterThan(10);
    expect(statins).toBeGreaterThan(30);
  });
});

describe('seeding and import into the sandbox (real PostgreSQL)', () => {
  let sandbox: SandboxHarness;
  let store: ResourceStore;

  beforeAll(async () => {
    sandbox = await startSandbox();
    store = new ResourceStore(sandbox.prisma);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('generates patients idempotently and incrementally', async () => {
    const first = await generateIntoStore(store, { patients: 4, seed: 5, batchSize: 2 });
    expect(first.patients).toBe(4);
    const again = await generateIntoStore(store, { patients: 6, seed: 5, batchSize: 2 });
    expect(again.patients).toBe(2);
    const none = await generateIntoStore(store, { patients: 6, seed: 5 });
    expect(none).toEqual({ patients: 0, resources: 0 });
    const expected = Array.from({ length: 6 }, (_, i) => generatePatient(5, i).length).reduce(
      (a, b) => a + b,
      0,
    );
    const rows = await sandbox.prisma.fhirResource.count({
      where: { id: { startsWith: 'syn-s5-p' }, NOT: { id: { startsWith: 'syn-s5-prac' } } },
    });
    expect(rows).toBe(expected);
    const admin = fhirClient(sandbox, await mintToken(sandbox, 'system/*.rs'));
    const vitals = await admin.search(
      'Observation?patient=syn-s5-p0&category=vital-signs&_count=50',
    );
    expect(vitals.status).toBe(200);
    expect(vitals.body.total).toBeGreaterThan(20);
  });

  it('imports a Synthea Bulk NDJSON folder; its patients appear in the launcher', async () => {
    const report = await importNdjsonFolder(
      store,
      join(import.meta.dirname, '../../test/fixtures/synthea-sample'),
    );
    expect(report.invalid).toEqual([]);
    expect(report.skipped).toEqual({});
    expect(report.imported).toBe(135);
    const launcher = await (await fetch(`${sandbox.baseUrl}/`)).text();
    expect(launcher).toContain('Schmitt836');
    expect(launcher).toContain('Shanahan202');
    const admin = fhirClient(sandbox, await mintToken(sandbox, 'system/*.rs'));
    const encounters = await admin.search(
      'Encounter?patient=63ee2253-bdd5-da55-2ad2-b4984d0ad700&_summary=count',
    );
    expect(encounters.body.total).toBeGreaterThan(0);
  });

  it('imports a transaction Bundle, resolving urn:uuid references', async () => {
    const report = await importBundle(store, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
          resource: { resourceType: 'Patient', name: [{ family: 'Bundled' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
          resource: {
            resourceType: 'Condition',
            subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
            code: { text: 'x' },
          },
          request: { method: 'POST', url: 'Condition' },
        },
        {
          resource: { resourceType: 'Basic', id: 'b' },
          request: { method: 'PUT', url: 'Basic/b' },
        },
      ],
    });
    expect(report).toMatchObject({ imported: 2, skipped: { Basic: 1 } });
    const admin = fhirClient(sandbox, await mintToken(sandbox, 'system/*.rs'));
    const patients = await admin.search('Patient?family=bundled');
    const [patientId] = matchIds(patients.body);
    const conditions = await admin.search(`Condition?patient=${patientId}`);
    expect(conditions.body.total).toBe(1);
  });
});
