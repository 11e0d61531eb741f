import { describe, expect, it } from 'vitest';

import { createClock, expectError } from '../test/fixtures.js';
import {
  buildCapabilityStatementRequest,
  processCapabilityStatementResponse,
} from './capability-statement.js';
import { DiscoveryCache, discoverSmartConfiguration, readFreshness } from './discover.js';
import { DiscoveryError } from './errors.js';
import { createStrictFetch, jsonResponse } from './testing/fake-fetch.js';

const BASE = 'https://ehr.example.org/r4/tenant-1';
const WELL_KNOWN = `${BASE}/.well-known/smart-configuration`;
const METADATA = `${BASE}/metadata`;

const wellKnown = {
  authorization_endpoint: 'https://ehr.example.org/authorize',
  token_endpoint: 'https://ehr.example.org/token',
  capabilities: ['launch-ehr', 'client-public'],
  grant_types_supported: ['authorization_code'],
  code_challenge_methods_supported: ['S256'],
};

/** A DSTU2-era CapabilityStatement with the deprecated oauth-uris extension (IG-CF). */
const capabilityStatement = {
  resourceType: 'CapabilityStatement',
  rest: [
    {
      mode: 'server',
      security: {
        service: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                code: 'SMART-on-FHIR',
              },
            ],
          },
        ],
        extension: [
          {
            url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
            extension: [
              { url: 'token', valueUri: 'https://ehr.example.org/token' },
              { url: 'authorize', valueUri: 'auth/authorize' },
              { url: 'register', valueUri: 'https://ehr.example.org/register' },
              { url: 'manage', valueUri: 'https://ehr.example.org/manage' },
              { url: 'introspect', valueUri: 'https://ehr.example.org/introspect' },
              { url: 'revoke', valueUri: 'https://ehr.example.org/revoke' },
            ],
          },
          {
            url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities',
            valueCode: 'launch-ehr',
          },
          {
            url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/capabilities',
            valueCode: 'client-public',
          },
        ],
      },
    },
  ],
};

describe('SMART App Launch 2.2 §conformance — CapabilityStatement fallback (DISC-11)', () => {
  it('asks for FHIR JSON at {base}/metadata', () => {
    const request = buildCapabilityStatementRequest(`${BASE}/`);
    expect(request.url).toBe(METADATA);
    expect(request.headers.get('accept')).toBe('application/fhir+json, application/json;q=0.9');
  });

  it('reads the oauth-uris and capabilities extensions, resolving relative URLs', async () => {
    const config = await processCapabilityStatementResponse(
      BASE,
      jsonResponse(capabilityStatement),
    );
    expect(config).toMatchObject({
      source: 'capability-statement',
      authorization_endpoint: `${BASE}/auth/authorize`,
      token_endpoint: 'https://ehr.example.org/token',
      registration_endpoint: 'https://ehr.example.org/register',
      management_endpoint: 'https://ehr.example.org/manage',
      introspection_endpoint: 'https://ehr.example.org/introspect',
      revocation_endpoint: 'https://ehr.example.org/revoke',
      capabilities: ['launch-ehr', 'client-public'],
    });
    expect(config.warnings[0]).toBe(
      'discovered from the deprecated CapabilityStatement oauth-uris extension',
    );
  });

  it.each([
    [
      'no oauth-uris extension',
      { resourceType: 'CapabilityStatement', rest: [{ mode: 'server' }] },
      'missing_field',
      'CapabilityStatement has no SMART oauth-uris extension',
    ],
    [
      'not a CapabilityStatement',
      { resourceType: 'OperationOutcome' },
      'invalid_json',
      'metadata is not a JSON CapabilityStatement',
    ],
    [
      'oauth-uris without token',
      {
        resourceType: 'CapabilityStatement',
        rest: [
          {
            security: {
              extension: [
                {
                  url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
                  extension: [],
                },
              ],
            },
          },
        ],
      },
      'missing_field',
      'token_endpoint is missing',
    ],
  ])('%s → DiscoveryError %s', async (_label, body, code, message) => {
    await expectError(
      processCapabilityStatementResponse(BASE, jsonResponse(body)),
      DiscoveryError,
      { code, message },
    );
  });

  it('an HTTP error → http_error', async () => {
    await expectError(
      processCapabilityStatementResponse(BASE, new Response('', { status: 406 })),
      DiscoveryError,
      {
        code: 'http_error',
        upstreamStatus: 406,
      },
    );
  });
});

describe('discoverSmartConfiguration — well-known first, then metadata', () => {
  it('does not touch metadata when the well-known document works', async () => {
    const fetch = createStrictFetch({
      method: 'GET',
      url: WELL_KNOWN,
      respond: jsonResponse(wellKnown),
    });
    expect((await discoverSmartConfiguration(BASE, { fetch })).source).toBe('well-known');
    fetch.assertDone();
  });

  it.each([
    ['404', () => new Response('not found', { status: 404 })],
    ['HTML', () => new Response('<html/>', { status: 200 })],
  ])('falls back to metadata when well-known answers %s', async (_label, respond) => {
    const fetch = createStrictFetch(
      { method: 'GET', url: WELL_KNOWN, respond },
      { method: 'GET', url: METADATA, respond: jsonResponse(capabilityStatement) },
    );
    const config = await discoverSmartConfiguration(BASE, { fetch });
    expect(config.source).toBe('capability-statement');
    expect(config.token_endpoint).toBe('https://ehr.example.org/token');
    fetch.assertDone();
  });

  it('does not fall back when the well-known document is present but invalid', async () => {
    const fetch = createStrictFetch({
      method: 'GET',
      url: WELL_KNOWN,
      respond: jsonResponse({ capabilities: [] }),
    });
    await expectError(discoverSmartConfiguration(BASE, { fetch }), DiscoveryError, {
      code: 'missing_field',
    });
  });

  it.each([
    ['fallback disabled', { fallbackToCapabilityStatement: false }],
    ['strict mode', { strict: true }],
  ])('does not fall back with %s', async (_label, options) => {
    const fetch = createStrictFetch({
      method: 'GET',
      url: WELL_KNOWN,
      respond: new Response('', { status: 404 }),
    });
    await expectError(discoverSmartConfiguration(BASE, { fetch, ...options }), DiscoveryError, {
      code: 'http_error',
    });
  });

  it('reports both failures with the well-known error code', async () => {
    const fetch = createStrictFetch(
      { method: 'GET', url: WELL_KNOWN, respond: new Response('', { status: 404 }) },
      { method: 'GET', url: METADATA, respond: new Response('', { status: 500 }) },
    );
    await expectError(discoverSmartConfiguration(BASE, { fetch }), DiscoveryError, {
      code: 'http_error',
      upstreamStatus: 404,
      message:
        'SMART configuration request failed with HTTP 404; CapabilityStatement fallback: CapabilityStatement request failed with HTTP 500',
    });
  });
});

describe('DiscoveryCache — honours Cache-Control max-age (RFC 9111 §5.2.2)', () => {
  it.each([
    [null, { maxAgeSeconds: undefined, noStore: false }],
    ['public, max-age=600', { maxAgeSeconds: 600, noStore: false }],
    ['max-age="60", must-revalidate', { maxAgeSeconds: 60, noStore: false }],
    ['no-store', { maxAgeSeconds: undefined, noStore: true }],
    ['no-cache, max-age=0', { maxAgeSeconds: 0, noStore: true }],
  ])('readFreshness(%s)', (value, expected) => {
    const headers = new Headers(value === null ? {} : { 'Cache-Control': value });
    expect(readFreshness(headers)).toEqual(expected);
  });

  it('reuses an entry until max-age elapses, then fetches again', async () => {
    const clock = createClock();
    const fetch = createStrictFetch({
      method: 'GET',
      url: WELL_KNOWN,
      respond: () => jsonResponse(wellKnown, 200, { 'Cache-Control': 'max-age=120' }),
    });
    const cache = new DiscoveryCache({ fetch, now: clock.now });
    const first = await cache.get(BASE);
    clock.advance(119_000);
    expect(await cache.get(`${BASE}/`)).toBe(first);
    fetch.assertDone();
    clock.advance(1_000);
    fetch.expect({ method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) });
    expect(await cache.get(BASE)).not.toBe(first);
    fetch.assertDone();
  });

  it('uses the default TTL without max-age, and never caches no-store', async () => {
    const clock = createClock();
    const fetch = createStrictFetch(
      {
        method: 'GET',
        url: WELL_KNOWN,
        respond: () => jsonResponse(wellKnown, 200, { 'Cache-Control': 'no-store' }),
      },
      { method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) },
    );
    const cache = new DiscoveryCache({ fetch, now: clock.now, defaultTtlSeconds: 10 });
    await cache.get(BASE);
    const cached = await cache.get(BASE);
    clock.advance(9_999);
    expect(await cache.get(BASE)).toBe(cached);
    fetch.assertDone();
  });

  it('caps max-age at maxTtlSeconds', async () => {
    const clock = createClock();
    const fetch = createStrictFetch(
      {
        method: 'GET',
        url: WELL_KNOWN,
        respond: () => jsonResponse(wellKnown, 200, { 'Cache-Control': 'max-age=999999' }),
      },
      { method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) },
    );
    const cache = new DiscoveryCache({ fetch, now: clock.now, maxTtlSeconds: 60 });
    await cache.get(BASE);
    clock.advance(60_000);
    await cache.get(BASE);
    fetch.assertDone();
  });

  it('shares one request among concurrent lookups and does not cache failures', async () => {
    const fetch = createStrictFetch(
      { method: 'GET', url: WELL_KNOWN, respond: () => new Response('', { status: 503 }) },
      { method: 'GET', url: METADATA, respond: () => new Response('', { status: 503 }) },
      { method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) },
    );
    const cache = new DiscoveryCache({ fetch });
    const results = await Promise.allSettled([cache.get(BASE), cache.get(BASE), cache.get(BASE)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const [a, b] = await Promise.all([cache.get(BASE), cache.get(BASE)]);
    expect(a).toBe(b);
    fetch.assertDone();
  });

  it('invalidate() forgets entries; maxEntries evicts the least recently used', async () => {
    const other = 'https://other.example.org/fhir';
    const fetch = createStrictFetch(
      { method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) },
      {
        method: 'GET',
        url: `${other}/.well-known/smart-configuration`,
        respond: () => jsonResponse(wellKnown),
      },
      { method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) },
      { method: 'GET', url: WELL_KNOWN, respond: () => jsonResponse(wellKnown) },
    );
    const cache = new DiscoveryCache({ fetch, maxEntries: 1 });
    await cache.get(BASE);
    await cache.get(other); // evicts BASE
    await cache.get(BASE);
    cache.invalidate(BASE);
    await cache.get(BASE);
    fetch.assertDone();
  });
});
