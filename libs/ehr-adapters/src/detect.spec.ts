import { describe, expect, it } from 'vitest';

import { vendorProfiles } from './testing/index.js';
import { adapterFor, detectVendor } from './detect.js';
import { AthenaAdapter } from './athena/athena-adapter.js';
import { EcwAdapter } from './ecw/ecw-adapter.js';
import { EpicAdapter } from './epic/epic-adapter.js';
import { GenericAdapter } from './generic/generic-adapter.js';
import { OracleAdapter } from './oracle/oracle-adapter.js';
import { VENDORS } from './types.js';

import type { Vendor } from './types.js';

const named = VENDORS.filter((vendor) => vendor !== 'generic') as Exclude<Vendor, 'generic'>[];

describe('detectVendor — ehr-quirks.md §6 detection signals', () => {
  it.each(named)('%s from the iss shape alone', (vendor) => {
    const detection = detectVendor({ iss: vendorProfiles[vendor].fhirBaseUrl });
    expect(detection).toMatchObject({ vendor, basis: 'signals' });
    expect(detection.signals[0]).toMatchObject({ vendor, source: 'iss' });
  });

  it.each(named)('%s from the discovery document alone', (vendor) => {
    const smartConfiguration = vendorProfiles[vendor].smartConfiguration;
    expect(detectVendor({ smartConfiguration }).vendor).toBe(vendor);
  });

  it.each(named)('%s from the CapabilityStatement alone', (vendor) => {
    const capabilityStatement = vendorProfiles[vendor].capabilityStatement;
    expect(detectVendor({ capabilityStatement }).vendor).toBe(vendor);
  });

  it.each([
    ['epic', { '__epic.dstu2.patient': 'T1', patient: 'p' }],
    ['oracle', { user: '1', username: 'u', tenant: 't' }],
    ['athena', { ah_practice: 'a-1.Practice-1' }],
  ] as const)('%s from token-response extras', (vendor, tokenResponse) => {
    expect(detectVendor({ tokenResponse }).vendor).toBe(vendor);
  });

  it('a plain SMART server (the local sandbox) is generic', () => {
    const detection = detectVendor({
      iss: 'http://localhost:4000/fhir',
      smartConfiguration: vendorProfiles.generic.smartConfiguration,
      capabilityStatement: vendorProfiles.generic.capabilityStatement,
    });
    expect(detection).toEqual({ vendor: 'generic', signals: [], basis: 'default' });
  });

  it("the operator's override wins over every signal", () => {
    const detection = detectVendor({ iss: vendorProfiles.epic.fhirBaseUrl, override: 'generic' });
    expect(detection.vendor).toBe('generic');
    expect(detection.basis).toBe('override');
    expect(detection.signals.map((signal) => signal.vendor)).toEqual(['epic']);
  });

  it('the strongest total wins when signals disagree', () => {
    const detection = detectVendor({
      iss: 'https://ehr.example.org/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d', // weak oracle
      capabilityStatement: vendorProfiles.epic.capabilityStatement, // strong epic
    });
    expect(detection.vendor).toBe('epic');
  });
});

describe('adapterFor', () => {
  it.each([
    ['generic', GenericAdapter],
    ['epic', EpicAdapter],
    ['oracle', OracleAdapter],
    ['athena', AthenaAdapter],
    ['ecw', EcwAdapter],
  ] as const)('%s → its adapter class', (vendor, Class) => {
    const adapter = adapterFor(vendor);
    expect(adapter).toBeInstanceOf(Class);
    expect(adapter.vendor).toBe(vendor);
  });

  it('takes a detection result', () => {
    expect(adapterFor(detectVendor({ iss: vendorProfiles.athena.fhirBaseUrl })).vendor).toBe(
      'athena',
    );
  });
});
