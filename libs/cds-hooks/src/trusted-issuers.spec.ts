import { describe, expect, it } from 'vitest';

import { parseCdsTrustedIssuers } from './trusted-issuers.js';

describe('cds-hooks.md JWT-3, JWT-4 — trusted issuer configuration', () => {
  it('parses and freezes a valid list', () => {
    const issuers = parseCdsTrustedIssuers([
      {
        iss: 'https://sandbox.cds-hooks.org',
        allowedJku: ['https://sandbox.cds-hooks.org/.well-known/jwks.json'],
      },
      { iss: 'http://localhost:4000', jwksUrl: 'http://localhost:4000/jwks' },
      {
        iss: 'https://ehr',
        jwks: { keys: [{ kty: 'EC', kid: 'k', crv: 'P-384' }] },
        tenants: ['t'],
      },
    ]);
    expect(issuers).toHaveLength(3);
    expect(Object.isFrozen(issuers)).toBe(true);
    expect(Object.isFrozen(issuers[0])).toBe(true);
  });

  it.each<[string, unknown, string]>([
    [
      'no key source',
      [{ iss: 'https://ehr' }],
      'needs jwks, jwksUrl, allowedJku or allowedJkuPrefixes',
    ],
    [
      'an http jku outside localhost',
      [{ iss: 'https://ehr', allowedJku: ['http://ehr.example.org/jwks'] }],
      'must be an https URL (http only on localhost)',
    ],
    ['an empty iss', [{ iss: '', jwksUrl: 'https://ehr/jwks' }], 'iss'],
    [
      'the same iss twice',
      [
        { iss: 'https://ehr', jwksUrl: 'https://ehr/jwks' },
        { iss: 'https://ehr', jwksUrl: 'https://ehr/jwks2' },
      ],
      'is listed twice',
    ],
    ['a JWK without kid', [{ iss: 'https://ehr', jwks: { keys: [{ kty: 'EC' }] } }], 'kid'],
  ])('refuses %s', (_name, value, fragment) => {
    expect(() => parseCdsTrustedIssuers(value)).toThrow(TypeError);
    expect(() => parseCdsTrustedIssuers(value)).toThrow(fragment);
  });
});
