import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Bundle, Resource } from '@bedside/fhir-model';

import { fhirClient, matchIds, mintToken } from '../../test/fhir-client.js';
import { startSandbox, type SandboxHarness } from '../../test/harness.js';
import { ResourceStore } from './resource-store.js';

const CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB = `${CAT}|laboratory`;

const obs = (id: string, patient: string, category: string): Resource & { id: string } => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: CAT, code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2093-3' }] },
  subject: { reference: `Patient/${patient}` },
  effectiveDateTime: '2025-01-01',
});

describe('FHIR R4 §http interactions, errors and SMART access (real PostgreSQL)', () => {
  let sandbox: SandboxHarness;
  let admin: ReturnType<typeof fhirClient>;

  beforeAll(async () => {
    sandbox = await startSandbox();
    await new ResourceStore(sandbox.prisma).bulkLoad([
      obs('r-amy-lab', 'pat-amy-shaw', 'laboratory'),
      obs('r-amy-vital', 'pat-amy-shaw', 'vital-signs'),
      obs('r-omar-lab', 'pat-omar-haddad', 'laboratory'),
    ]);
    admin = fhirClient(sandbox, await mintToken(sandbox, 'system/*.cruds'));
  });
  afterAll(async () => {
    await sandbox.close();
  });

  describe('create, read, vread, update, delete, history', () => {
    it('walks one resource through its life', async () => {
      const created = await admin.call(
        'POST',
        'Observation',
        obs('ignored', 'pat-grace-okafor', 'laboratory'),
      );
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      expect(id).not.toBe('ignored');
      expect(created.headers.get('location')).toBe(
        `${sandbox.fhirBaseUrl}/Observation/${id}/_history/1`,
      );
      expect(created.headers.get('etag')).toBe('W/"1"');
      expect(created.body.meta).toMatchObject({ versionId: '1' });

      const read = await admin.get(`Observation/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);

      const changed = { ...read.body, status: 'amended' };
      const stale = await admin.call('PUT', `Observation/${id}`, changed, { 'if-match': 'W/"7"' });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'conflict' }],
      });

      const updated = await admin.call('PUT', `Observation/${id}`, changed, {
        'if-match': 'W/"1"',
      });
      expect(updated.status).toBe(200);
      expect(updated.headers.get('etag')).toBe('W/"2"');
      expect(updated.body).toMatchObject({ status: 'amended', meta: { versionId: '2' } });

      const v1 = await admin.get(`Observation/${id}/_history/1`);
      expect(v1.body).toMatchObject({ status: 'final', meta: { versionId: '1' } });
      expect((await admin.get(`Observation/${id}/_history/9`)).status).toBe(404);

      const history = await admin.get<Bundle>(`Observation/${id}/_history`);
      expect(history.body).toMatchObject({ type: 'history', total: 2 });
      expect(history.body.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);

      expect((await admin.call('DELETE', `Observation/${id}`)).status).toBe(204);
      const gone = await admin.get(`Observation/${id}`);
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ issue: [{ code: 'deleted' }] });
      expect((await admin.get(`Observation/${id}/_history/3`)).status).toBe(410);
      expect((await admin.search(`Observation?_id=${id}`)).body.total).toBe(0);

      const recreated = await admin.call('PUT', `Observation/${id}`, {
        ...changed,
        meta: undefined,
      });
      expect(recreated.status).toBe(201);
      expect(recreated.body.meta).toMatchObject({ versionId: '4' });
    });

    it('a bulk-loaded resource keeps its first version when updated', async () => {
      const current = await admin.get('Observation/r-amy-vital');
      const updated = await admin.call('PUT', 'Observation/r-amy-vital', {
        ...current.body,
        status: 'amended',
      });
      expect(updated.status).toBe(200);
      const history = await admin.get<Bundle>('Observation/r-amy-vital/_history');
      expect(
        history.body.entry?.map((e) => [
          e.resource?.meta?.versionId,
          (e.resource as { status?: string }).status,
        ]),
      ).toEqual([
        ['2', 'amended'],
        ['1', 'final'],
      ]);
      expect((await admin.get('Observation/r-amy-vital/_history/1')).body).toMatchObject({
        status: 'final',
      });
    });

    it('conditional create: If-None-Exist returns the match instead of creating', async () => {
      const patient = {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:test', value: 'cond-1' }],
        name: [{ family: 'Conditional' }],
      };
      const first = await admin.call('POST', 'Patient', patient, {
        'if-none-exist': 'identifier=urn:test|cond-1',
      });
      expect(first.status).toBe(201);
      const again = await admin.call('POST', 'Patient', patient, {
        'if-none-exist': 'identifier=urn:test|cond-1',
      });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      await admin.call('POST', 'Patient', patient);
      const ambiguous = await admin.call('POST', 'Patient', patient, {
        'if-none-exist': 'identifier=urn:test|cond-1',
      });
      expect(ambiguous.status).toBe(412);
    });
  });

  describe('errors are OperationOutcomes with the right status', () => {
    it.each([
      [
        'no token',
        401,
        'login',
        async () => fhirClient(sandbox, undefined).get('Observation/r-amy-lab'),
      ],
      ['unknown type', 404, 'not-supported', async () => admin.get('Frobnication/1')],
      ['unknown id', 404, 'not-found', async () => admin.get('Observation/nope')],
      [
        'invalid JSON',
        400,
        'invalid',
        async () =>
          admin.call('POST', 'Observation', '{nope', { 'content-type': 'application/fhir+json' }),
      ],
      [
        'body of another type',
        400,
        'invalid',
        async () => admin.call('POST', 'Observation', { resourceType: 'Patient' }),
      ],
      [
        'id differs from the URL',
        400,
        'invalid',
        async () => admin.call('PUT', 'Observation/a', obs('b', 'pat-amy-shaw', 'laboratory')),
      ],
      [
        'malformed If-Match',
        400,
        'invalid',
        async () =>
          admin.call(
            'PUT',
            'Observation/r-amy-lab',
            obs('r-amy-lab', 'pat-amy-shaw', 'laboratory'),
            { 'if-match': 'nope' },
          ),
      ],
      [
        'Observation without code',
        422,
        'processing',
        async () =>
          admin.call('POST', 'Observation', { resourceType: 'Observation', status: 'final' }),
      ],
      [
        'Patient with a compartment',
        409,
        'conflict',
        async () => admin.call('DELETE', 'Patient/pat-amy-shaw'),
      ],
      [
        'stale If-Match on delete',
        412,
        'conflict',
        async () =>
          admin.call('DELETE', 'Observation/r-omar-lab', undefined, { 'if-match': 'W/"5"' }),
      ],
    ])('%s → %i %s', async (_label, status, code, call) => {
      const response = await call();
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(response.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code }],
      });
    });

    it('410 for a deleted resource', async () => {
      await admin.call(
        'PUT',
        'Observation/to-delete',
        obs('to-delete', 'pat-omar-haddad', 'laboratory'),
      );
      await admin.call('DELETE', 'Observation/to-delete');
      const response = await admin.get('Observation/to-delete');
      expect(response.status).toBe(410);
    });
  });

  describe('SMART access: every request decided on the token (RS-02, SCOPE-05, SCOPE-08)', () => {
    it('a patient-context token sees only its patient compartment in searches', async () => {
      const amy = fhirClient(
        sandbox,
        await mintToken(sandbox, 'patient/Observation.rs patient/Patient.rs', 'pat-amy-shaw'),
      );
      const all = await amy.search('Observation');
      expect(matchIds(all.body).sort()).toEqual(['r-amy-lab', 'r-amy-vital']);
      const other = await amy.search('Observation?patient=pat-omar-haddad');
      expect(other.body.total).toBe(0);
      expect(matchIds((await amy.search('Patient')).body)).toEqual(['pat-amy-shaw']);
    });

    it('a patient-context token reading another patient gets 404', async () => {
      const amy = fhirClient(
        sandbox,
        await mintToken(sandbox, 'patient/Observation.rs', 'pat-amy-shaw'),
      );
      expect((await amy.get('Observation/r-amy-lab')).status).toBe(200);
      const response = await amy.get('Observation/r-omar-lab');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ issue: [{ code: 'not-found' }] });
    });

    it('granular scopes filter searches and reads (Observation?category=laboratory)', async () => {
      const labs = fhirClient(
        sandbox,
        await mintToken(
          sandbox,
          `patient/Observation.rs?category=${encodeURIComponent(LAB)}`,
          'pat-amy-shaw',
        ),
      );
      expect(matchIds((await labs.search('Observation')).body)).toEqual(['r-amy-lab']);
      expect(matchIds((await labs.search('Observation?category=laboratory')).body)).toEqual([
        'r-amy-lab',
      ]);
      expect((await labs.get('Observation/r-amy-vital')).status).toBe(404);
      expect((await labs.get('Observation/r-amy-lab')).status).toBe(200);
    });

    it('a type not granted is 403 with an OperationOutcome, not an empty 200', async () => {
      const amy = fhirClient(
        sandbox,
        await mintToken(sandbox, 'patient/Observation.rs', 'pat-amy-shaw'),
      );
      for (const path of [
        'Condition',
        'Condition?patient=pat-amy-shaw',
        'Condition/x',
        'Patient/pat-amy-shaw',
      ]) {
        const response = await amy.get(path);
        expect(response.status, path).toBe(403);
        expect(response.headers.get('www-authenticate')).toContain('insufficient_scope');
        expect(response.body).toMatchObject({ issue: [{ code: 'forbidden' }] });
      }
    });

    it('read-only scopes cannot write: 403', async () => {
      const reader = fhirClient(sandbox, await mintToken(sandbox, 'user/*.rs'));
      const response = await reader.call(
        'POST',
        'Observation',
        obs('x', 'pat-amy-shaw', 'laboratory'),
      );
      expect(response.status).toBe(403);
      expect((await reader.call('DELETE', 'Observation/r-amy-lab')).status).toBe(403);
    });

    it('a patient token cannot write into another patient compartment', async () => {
      const amy = fhirClient(
        sandbox,
        await mintToken(sandbox, 'patient/Observation.cruds', 'pat-amy-shaw'),
      );
      expect(
        (await amy.call('POST', 'Observation', obs('x', 'pat-amy-shaw', 'laboratory'))).status,
      ).toBe(201);
      expect(
        (await amy.call('POST', 'Observation', obs('x', 'pat-omar-haddad', 'laboratory'))).status,
      ).toBe(404);
    });

    it('patient/ scopes without a patient in context are 403', async () => {
      const noPatient = fhirClient(sandbox, await mintToken(sandbox, 'patient/Observation.rs'));
      expect((await noPatient.search('Observation')).status).toBe(403);
    });

    it('system tokens see what they were granted, across patients', async () => {
      const system = fhirClient(sandbox, await mintToken(sandbox, 'system/Observation.rs'));
      const response = await system.search('Observation?code=2093-3');
      expect(matchIds(response.body)).toEqual(expect.arrayContaining(['r-amy-lab', 'r-omar-lab']));
      expect((await system.get('Patient/pat-amy-shaw')).status).toBe(403);
    });

    it('_include never leaks resources outside the compartment', async () => {
      const amy = fhirClient(
        sandbox,
        await mintToken(sandbox, 'patient/Observation.rs patient/Patient.rs', 'pat-amy-shaw'),
      );
      const response = await amy.search('Observation?_include=Observation:patient');
      const included = (response.body.entry ?? []).filter((e) => e.search?.mode === 'include');
      expect(included.map((e) => e.resource?.id)).toEqual(['pat-amy-shaw']);
    });
  });
});
