import { describe, expect, it } from 'vitest';

import { loadCdsConfig } from './config.js';

const base = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x' };

describe('cds configuration (style: parsed once, no insecure defaults in production)', () => {
  it('development defaults: port 3002, any CORS origin, http fhirServer allowed', () => {
    const config = loadCdsConfig(base);
    expect(config).toMatchObject({
      port: 3002,
      publicUrl: 'http://localhost:3002',
      servicesUrl: 'http://localhost:3002/cds-services',
      corsOrigins: ['*'],
      allowHttpFhirServer: true,
      hookDeadlineMs: 1500,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('production needs an https public URL and an explicit CORS list, and refuses http fhirServers', () => {
    expect(() => loadCdsConfig({ ...base, NODE_ENV: 'production' })).toThrow(
      /CDS_PUBLIC_URL: must be set to an https URL in production[\s\S]*CDS_CORS_ORIGINS: must list the allowed origins/,
    );
    expect(() =>
      loadCdsConfig({
        ...base,
        NODE_ENV: 'production',
        CDS_PUBLIC_URL: 'https://cds.example.org',
        CDS_CORS_ORIGINS: 'https://ehr.example.org',
        CDS_ALLOW_HTTP_FHIR_SERVER: 'true',
      }),
    ).toThrow(/CDS_ALLOW_HTTP_FHIR_SERVER: must not be true in production/);
    const config = loadCdsConfig({
      ...base,
      NODE_ENV: 'production',
      CDS_PUBLIC_URL: 'https://cds.example.org/',
      CDS_CORS_ORIGINS: 'https://ehr.example.org, https://other.example.org',
    });
    expect(config.servicesUrl).toBe('https://cds.example.org/cds-services');
    expect(config.corsOrigins).toEqual(['https://ehr.example.org', 'https://other.example.org']);
    expect(config.allowHttpFhirServer).toBe(false);
  });

  it.each([
    ['DATABASE_URL', {}, /DATABASE_URL/],
    ['CDS_PORT', { ...base, CDS_PORT: '70000' }, /CDS_PORT/],
    ['CDS_HOOK_DEADLINE_MS', { ...base, CDS_HOOK_DEADLINE_MS: '10' }, /CDS_HOOK_DEADLINE_MS/],
  ])('names a bad %s', (_name, env, pattern) => {
    expect(() => loadCdsConfig(env)).toThrow(pattern);
  });
});
