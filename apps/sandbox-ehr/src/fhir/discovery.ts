import type { SandboxConfig } from '../config.js';
import { searchParameters } from './search-params.js';

/** Endpoint URLs of the sandbox's authorization server, all absolute (DISC-05). */
export function authEndpoints(config: SandboxConfig) {
  return {
    authorization_endpoint: `${config.publicUrl}/auth/authorize`,
    token_endpoint: `${config.publicUrl}/auth/token`,
    jwks_uri: `${config.publicUrl}/auth/jwks`,
    smart_style_url: `${config.publicUrl}/smart-style.json`,
  } as const;
}

/** The CapabilityStatement: exactly what this server supports, with the SMART oauth-uris extension. */
export function capabilityStatement(config: SandboxConfig, readableTypes: readonly string[]) {
  const endpoints = authEndpoints(config);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-28',
    kind: 'instance',
    software: { name: 'Bedside sandbox EHR' },
    implementation: { description: 'Bedside sandbox EHR', url: config.fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
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
                { url: 'authorize', valueUri: endpoints.authorization_endpoint },
                { url: 'token', valueUri: endpoints.token_endpoint },
              ],
            },
          ],
        },
        resource: readableTypes.map((type) => ({
          type,
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: false,
          conditionalDelete: 'not-supported',
          interaction: [
            'read',
            'vread',
            'update',
            'delete',
            'history-instance',
            'create',
            'search-type',
          ].map((code) => ({ code })),
          searchInclude: Object.entries(searchParameters[type] ?? {})
            .filter(([, definition]) => definition.type === 'reference')
            .map(([name]) => `${type}:${name}`),
          searchParam: [
            { name: '_id', type: 'token' },
            { name: '_lastUpdated', type: 'date' },
            ...Object.entries(searchParameters[type] ?? {}).map(([name, definition]) => ({
              name,
              type: definition.type,
            })),
          ],
          ...(type === 'Patient' || type === 'Group'
            ? {
                operation: [
                  {
                    name: 'export',
                    definition: `http://hl7.org/fhir/uv/bulkdata/OperationDefinition/${type === 'Patient' ? 'patient' : 'group'}-export`,
                  },
                ],
              }
            : {}),
        })),
        searchParam: [
          {
            name: '_count',
            type: 'number',
            documentation: 'Page size, at most 1000 (default 50).',
          },
          {
            name: '_sort',
            type: 'string',
            documentation: 'date parameters and _lastUpdated, - for descending.',
          },
          { name: '_summary', type: 'token', documentation: 'count only.' },
          { name: '_include', type: 'string' },
        ],
        operation: [
          {
            name: 'export',
            definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export',
          },
        ],
      },
    ],
  };
}

/** LAUNCH-09: the style document behind `smart_style_url`. */
export const smartStyle = {
  color_background: '#f4f7fa',
  color_error: '#a4161a',
  color_highlight: '#0b5cab',
  color_modal_backdrop: '#14202b',
  color_success: '#2b7a0b',
  color_text: '#14202b',
  dim_border_radius: '6px',
  dim_font_size: '15px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  font_family_heading: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
} as const;
