import { describe, expect, it } from 'vitest';

import { normalizeFhirUser } from './fhir-user.js';

const BASE = 'https://ehr.example.org/fhir/r4';

describe('normalizeFhirUser — quirk row 23 (OIDC-04, OIDC-06)', () => {
  it.each([
    ['relative', 'Practitioner/123', 'Practitioner', '123'],
    ['absolute on this base', `${BASE}/Practitioner/123`, 'Practitioner', '123'],
    [
      "Epic's odd oauth2 path",
      'https://fhir.epic.example.org/interconnect-fhir-oauth/oauth2/api/FHIR/R4/Practitioner/eM5CWtq15N0WJeuCet5bJlQ3',
      'Practitioner',
      'eM5CWtq15N0WJeuCet5bJlQ3',
    ],
    [
      "Oracle's DSTU2 base",
      'https://fhir-ehr-code.cerner.com/dstu2/ec2458f2-1e24-41c8-b71b-0e701af7583d/Person/12345',
      'Person',
      '12345',
    ],
    ['with a version', `${BASE}/Patient/p1/_history/3`, 'Patient', 'p1'],
    ['RelatedPerson (MyChart proxy)', 'RelatedPerson/rp-9', 'RelatedPerson', 'rp-9'],
    ['PractitionerRole', 'PractitionerRole/pr-1', 'PractitionerRole', 'pr-1'],
  ])('%s', (_label, claim, resourceType, id) => {
    expect(normalizeFhirUser(claim, `${BASE}/`)).toEqual({
      url: `${BASE}/${resourceType}/${id}`,
      resourceType,
      id,
      reference: `${resourceType}/${id}`,
      claim,
    });
  });

  it("accepts Epic's ids longer than 64 characters (ehr-quirks.md §2.7)", () => {
    const id = 'e'.repeat(200);
    expect(normalizeFhirUser(`Patient/${id}`, BASE)?.id).toBe(id);
  });

  it.each([
    ['an Organization', 'Organization/1'],
    ['a bare id', '123'],
    ['empty', '  '],
    ['a bad id', 'Patient/a b'],
    ['not a URL', 'https://%zz'],
  ])('rejects %s', (_label, claim) => {
    expect(normalizeFhirUser(claim, BASE)).toBeUndefined();
  });
});
