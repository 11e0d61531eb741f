import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bundle, OperationOutcome, Resource } from '@bedside/fhir-model';

import { fhirClient, matchIds, mintToken } from '../../test/fhir-client.js';
import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { cdsDemoRecords } from '../seed/cds-demo-records.js';
import { ResourceStore } from './resource-store.js';

const LOINC = 'http://loinc.org';
const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';

function observation(
  id: string,
  patient: string,
  category: string,
  code: string,
  effective: string,
  extra: Record<string, unknown> = {},
): Resource & { id: string } {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: CAT, code: category }] }],
    code: { coding: [{ system: LOINC, code }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: effective,
    ...extra,
  };
}

const fixtures: (Resource & { id: string })[] = [
  {
    resourceType: 'Patient',
    id: 's-p1',
    identifier: [{ system: 'urn:mrn', value: 'A1' }],
    name: [{ family: 'Müller', given: ['Anna', 'Maria'] }],
    gender: 'female',
    birthDate: '1980-05-10',
  },
  {
    resourceType: 'Patient',
    id: 's-p2',
    identifier: [{ system: 'urn:mrn', value: 'B2' }],
    name: [{ family: 'Mullen', given: ['Bob'] }],
    gender: 'male',
    birthDate: '1975',
  },
  {
    resourceType: 'Encounter',
    id: 's-e1',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: 'Patient/s-p1' },
    period: { start: '2024-01-01T09:00:00Z', end: '2024-01-01T11:00:00Z' },
  },
  observation('s-o1', 's-p1', 'vital-signs', '85354-9', '2024-01-01T10:00:00Z', {
    encounter: { reference: 'Encounter/s-e1' },
  }),
  observation('s-o2', 's-p1', 'laboratory', '4548-4', '2024-03-15'),
  observation('s-o3', 's-p1', 'vital-signs', '8867-4', '2025-06-01T08:30:00+02:00'),
  observation('s-o4', 's-p2', 'laboratory', '4548-4', '2023-12-31T23:00:00Z'),
  {
    resourceType: 'Condition',
    id: 's-c1',
    clinicalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
      ],
    },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
    subject: { reference: 'Patient/s-p1' },
  },
];

describe('FHIR R4 §search — sandbox FHIR server (real PostgreSQL)', () => {
  let sandbox: SandboxHarness;
  let admin: ReturnType<typeof fhirClient>;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const store = new ResourceStore(sandbox.prisma);
    // System-wide searches see only this suite's fixtures: drop the seed's clinical demo records.
    for (const record of cdsDemoRecords()) await store.delete(record.resourceType, record.id);
    await store.bulkLoad(fixtures);
    admin = fhirClient(sandbox, await mintToken(sandbox, 'system/*.cruds'));
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const ids = async (query: string) => {
    const response = await admin.search(query);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return matchIds(response.body).sort();
  };

  describe('token', () => {
    it.each([
      ['Observation?code=4548-4', ['s-o2', 's-o4']],
      [`Observation?code=${encodeURIComponent(`${LOINC}|4548-4`)}`, ['s-o2', 's-o4']],
      ['Observation?code=http%3A%2F%2Fother%7C4548-4', []],
      [`Observation?code=${encodeURIComponent(`${LOINC}|`)}&patient=s-p2`, ['s-o4']],
      ['Observation?category=vital-signs', ['s-o1', 's-o3']],
      ['Observation?category=vital-signs,laboratory&patient=s-p1', ['s-o1', 's-o2', 's-o3']],
      ['Observation?category:not=vital-signs', ['s-o2', 's-o4']],
      ['Observation?status=final&code=8867-4', ['s-o3']],
      ['Patient?gender=male&family=mul', ['s-p2']],
      ['Patient?identifier=urn:mrn%7CA1', ['s-p1']],
      ['Condition?clinical-status=active', ['s-c1']],
      ['Observation?encounter:missing=false', ['s-o1']],
    ])('%s', async (query, expected) => {
      expect(await ids(query)).toEqual(expected);
    });
  });

  describe('string', () => {
    it.each([
      ['Patient?family=mul', ['s-p1', 's-p2']],
      ['Patient?family=MUELL', []],
      ['Patient?family=muller', ['s-p1']],
      ['Patient?family:exact=Müller', ['s-p1']],
      ['Patient?family:exact=muller', []],
      ['Patient?family:contains=lle', ['s-p1', 's-p2']],
      ['Patient?given=mar', ['s-p1']],
      ['Patient?name=bob', ['s-p2']],
      ['Patient?name=anna&family=mullen', []],
    ])('%s', async (query, expected) => {
      expect(await ids(query)).toEqual(expected);
    });
  });

  describe('date prefixes', () => {
    it.each([
      ['Observation?date=2024-01-01', ['s-o1']],
      ['Observation?date=eq2024', ['s-o1', 's-o2']],
      ['Observation?date=ne2024', ['s-o3', 's-o4']],
      ['Observation?date=lt2024-01-01', ['s-o4']],
      ['Observation?date=le2024-01-01', ['s-o1', 's-o4']],
      ['Observation?date=gt2024-12-31', ['s-o3']],
      ['Observation?date=ge2024-03-15', ['s-o2', 's-o3']],
      ['Observation?date=sa2024-01-01', ['s-o2', 's-o3']],
      ['Observation?date=eb2024-03-15', ['s-o1', 's-o4']],
      ['Observation?date=2025-06-01T06:30:00Z', ['s-o3']],
      ['Observation?date=ge2024&date=lt2025', ['s-o1', 's-o2']],
      ['Patient?birthdate=1975', ['s-p2']],
      ['Patient?birthdate=lt1979&family=mul', ['s-p2']],
      ['Encounter?date=2024-01-01T10:00:00Z&patient=s-p1', []],
      ['Encounter?date=ge2024-01-01&patient=s-p1', ['s-e1']],
      ['Encounter?date=lt2024-01-01T10:00:00Z&patient=s-p1', ['s-e1']],
    ])('%s', async (query, expected) => {
      expect(await ids(query)).toEqual(expected);
    });

    it('an invalid date is 400 with an OperationOutcome', async () => {
      const response = await admin.search('Observation?date=ge2024-13-99');
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'invalid' }],
      });
    });
  });

  describe('reference, _id and _lastUpdated', () => {
    it.each([
      ['Observation?patient=s-p1', ['s-o1', 's-o2', 's-o3']],
      ['Observation?patient=Patient/s-p2', ['s-o4']],
      ['Observation?subject=Patient/s-p2', ['s-o4']],
      ['Observation?subject:Patient=s-p2', ['s-o4']],
      [`Observation?patient=${encodeURIComponent('http://elsewhere/fhir/Patient/s-p2')}`, ['s-o4']],
      ['Observation?encounter=Encounter/s-e1', ['s-o1']],
      ['Encounter?patient=s-p1', ['s-e1']],
      ['Observation?_id=s-o1,s-o3', ['s-o1', 's-o3']],
      ['Patient?_lastUpdated=gt2000-01-01&_id=s-p1', ['s-p1']],
      ['Patient?_lastUpdated=lt2000-01-01', []],
    ])('%s', async (query, expected) => {
      expect(await ids(query)).toEqual(expected);
    });
  });

  it('POST _search takes form parameters like GET', async () => {
    const response = await admin.call<Bundle>(
      'POST',
      'Observation/_search',
      'patient=s-p1&category=laboratory',
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect(response.status).toBe(200);
    expect(matchIds(response.body)).toEqual(['s-o2']);
  });

  it('_sort=date and -date order by effective date', async () => {
    const asc = await admin.search('Observation?patient=s-p1&_sort=date');
    expect(matchIds(asc.body)).toEqual(['s-o1', 's-o2', 's-o3']);
    const desc = await admin.search('Observation?patient=s-p1&_sort=-date');
    expect(matchIds(desc.body)).toEqual(['s-o3', 's-o2', 's-o1']);
  });

  it('_include adds the referenced resources with search.mode include', async () => {
    const response = await admin.search(
      'Observation?_id=s-o1&_include=Observation:patient&_include=Observation:encounter',
    );
    const included = (response.body.entry ?? [])
      .filter((entry) => entry.search?.mode === 'include')
      .map((entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`)
      .sort();
    expect(included).toEqual(['Encounter/s-e1', 'Patient/s-p1']);
  });

  it('_summary=count answers the total only', async () => {
    const response = await admin.search('Observation?patient=s-p1&_summary=count');
    expect(response.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 3 });
    expect(response.body.entry).toEqual([]);
  });

  it('a searchset has total, self and entries with fullUrl', async () => {
    const response = await admin.search('Observation?patient=s-p1&_count=2');
    expect(response.body.total).toBe(3);
    expect(response.body.link?.find((l) => l.relation === 'self')?.url).toBe(
      `${sandbox.fhirBaseUrl}/Observation?patient=s-p1&_count=2`,
    );
    expect(response.body.entry?.[0]?.fullUrl).toBe(`${sandbox.fhirBaseUrl}/Observation/s-o1`);
    expect(response.body.link?.some((l) => l.relation === 'next')).toBe(true);
  });

  it('an unknown parameter is ignored with a warning OperationOutcome entry', async () => {
    const response = await admin.search('Observation?patient=s-p1&frobnicate=1');
    expect(response.status).toBe(200);
    expect(matchIds(response.body)).toHaveLength(3);
    const outcome = response.body.entry?.find((e) => e.search?.mode === 'outcome')
      ?.resource as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ severity: 'warning', code: 'not-supported' });
    expect(outcome.issue[0]?.diagnostics).toContain('frobnicate');
  });

  it('Prefer: handling=strict refuses an unknown parameter with 400', async () => {
    const response = await admin.search('Observation?patient=s-p1&frobnicate=1', {
      prefer: 'handling=strict',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'not-supported' }],
    });
  });

  it.each([
    ['Observation?_count=abc', 'invalid'],
    ['Observation?family:exact=x&code:exact=1', 'invalid'],
    ['Observation?_sort=code', 'invalid'],
    ['Observation?_cursor=garbage', 'invalid'],
  ])('%s is 400 %s', async (query, code) => {
    const response = await admin.search(query);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ issue: [{ code }] });
  });

  describe('paging through 1,000 matches (keyset)', () => {
    beforeAll(async () => {
      const store = new ResourceStore(sandbox.prisma);
      const many = Array.from({ length: 1000 }, (_, i) =>
        observation(
          `page-${String(i).padStart(4, '0')}`,
          's-p2',
          'vital-signs',
          '8310-5',
          new Date(Date.UTC(2020, 0, 1) + ((i * 7919) % 1000) * 3_600_000).toISOString(),
        ),
      );
      await store.bulkLoad(many);
    });

    it.each([
      ['default order', ''],
      ['_sort=date', '&_sort=date'],
      ['_sort=-date', '&_sort=-date'],
    ])('%s: every match once, none lost', async (_label, sort) => {
      let url: string | undefined = `Observation?patient=s-p2&code=8310-5&_count=97${sort}`;
      const seen: string[] = [];
      let pages = 0;
      let previousDate = sort === '&_sort=-date' ? '9999' : '0000';
      while (url) {
        const response = await admin.search(url);
        expect(response.status).toBe(200);
        expect(response.body.total).toBe(1000);
        for (const entry of response.body.entry ?? []) {
          seen.push(entry.resource?.id as string);
          const date = (entry.resource as unknown as { effectiveDateTime: string })
            .effectiveDateTime;
          if (sort === '&_sort=date') expect(date >= previousDate).toBe(true);
          if (sort === '&_sort=-date') expect(date <= previousDate).toBe(true);
          if (sort) previousDate = date;
        }
        url = response.body.link?.find((l) => l.relation === 'next')?.url;
        pages += 1;
      }
      expect(pages).toBe(11);
      expect(seen).toHaveLength(1000);
      expect(new Set(seen).size).toBe(1000);
    });

    it('_count is capped at the maximum (1000)', async () => {
      const response = await admin.search('Observation?code=8310-5&_count=5000');
      expect(matchIds(response.body)).toHaveLength(1000);
    });
  });
});
