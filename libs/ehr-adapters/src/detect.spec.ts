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

  it.each([
    ['epic', 'http://127.0.0.1:4000/v/epic/api/FHIR/R4', '/v/epic/oauth2/authorize'],
    [
      'oracle',
      'http://127.0.0.1:4000/v/oracle/ehr/r4/b8f5c3a2-6e1d-4f7a-9c0b-2d4e6f8a1c3e',
      '/v/oracle/tenants/t/protocols/oauth2/profiles/smart-v1/personas/provider/authorize',
    ],
    ['athena', 'http://127.0.0.1:4000/v/athena/fhir/r4', '/v/athena/oauth2/v1/authorize'],
    ['ecw', 'http://127.0.0.1:4000/v/ecw/fhir/r4/BDSX01', '/v/ecw/oauth/oauth2/authorize'],
  ] as const)('%s in URL shapes only (a local sandbox profile)', (vendor, iss, authorizePath) => {
    const smartConfiguration = {
      authorization_endpoint: `http://127.0.0.1:4000${authorizePath}`,
      token_endpoint: 'http://127.0.0.1:4000/token',
    };
    expect(detectVendor({ iss, smartConfiguration }).vendor).toBe(vendor);
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
