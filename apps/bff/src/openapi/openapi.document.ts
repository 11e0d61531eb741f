/**
 * The BFF's own API, described by hand (OpenAPI 3.1). A test compares it with the routes the app
 * really registers, so the two cannot drift apart.
 */
const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Machine-readable code, e.g. reauthorization_required.' },
    message: { type: 'string' },
    reason: {
      type: 'string',
      description: 'Why re-authorisation is needed (no_session, refresh_rejected, …).',
    },
  },
} as const;

const sessionHeader = {
  name: 'x-bedside-session',
  in: 'header',
  required: true,
  description:
    'The launch handle from the app URL (`?session=`); selects which HttpOnly session cookie applies.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{16}$' },
} as const;

const operationOutcome = {
  description: 'FHIR OperationOutcome',
  content: { 'application/fhir+json': { schema: { type: 'object' } } },
} as const;

const reauthorize = {
  description: 'No usable session: the app must re-authorise (`error` = reauthorization_required).',
  content: { 'application/json': { schema: errorBody } },
} as const;

const htmlPage = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Bedside BFF',
    version: '0.1.0',
    description:
      'Sessions, server-side token vault and FHIR proxy for the Bedside web app. No endpoint ever returns an access or refresh token.',
  },
  paths: {
    '/launch': {
      get: {
        summary: 'EHR launch (SMART App Launch 2.2): redirects to the EHR authorize endpoint.',
        parameters: [
          { name: 'iss', in: 'query', required: true, schema: { type: 'string', format: 'uri' } },
          { name: 'launch', in: 'query', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '302': { description: 'To the EHR authorize endpoint.' },
          '400': htmlPage('Unknown EHR or missing parameter; never redirects.'),
        },
      },
    },
    '/login': {
      get: {
        summary: 'Standalone launch at a registered EHR (ends at its patient picker).',
        parameters: [
          { name: 'iss', in: 'query', required: true, schema: { type: 'string', format: 'uri' } },
          {
            name: 'return',
            in: 'query',
            required: false,
            schema: { type: 'string', description: 'A path of this app.' },
          },
        ],
        responses: {
          '302': { description: 'To the EHR authorize endpoint.' },
          '400': htmlPage('Unknown EHR or unsafe return path.'),
        },
      },
    },
    '/reauthorize': {
      get: {
        summary: 'Signs in again after a refresh became impossible and returns to the same screen.',
        parameters: [
          { name: 'session', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'return', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '302': { description: 'To the EHR authorize endpoint.' },
          '400': htmlPage('Unknown session.'),
        },
      },
    },
    '/callback': {
      get: {
        summary:
          'The registered redirect URI: checks state once, exchanges the code, sets the session cookie.',
        parameters: [
          { name: 'state', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'code', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'error', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '302': {
            description:
              'To the app, with `?session=<handle>`; sets an HttpOnly, Secure, SameSite=None, Partitioned cookie.',
          },
          '400': htmlPage(
            'Missing, unknown, reused or expired state, or an error from the EHR; nothing stored.',
          ),
          '502': htmlPage('The EHR refused the code exchange or its id_token failed verification.'),
        },
      },
    },
    '/api/session': {
      get: {
        summary: 'The launch context (patient, encounter, user, granted scopes). Never a token.',
        parameters: [sessionHeader],
        responses: {
          '200': {
            description: 'Context',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
          '401': reauthorize,
        },
      },
    },
    '/api/ehrs': {
      get: {
        summary: 'Registered EHRs, for the standalone chooser.',
        responses: {
          '200': {
            description: 'List',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/api/content-security-policy': {
      get: {
        summary: 'The CSP for app pages: frame-ancestors limited to registered EHR origins.',
        responses: {
          '200': {
            description: 'Policy',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
    '/api/fhir/{path}': {
      get: {
        summary: "FHIR read, vread or search at the session's EHR (refresh handled; audited).",
        parameters: [
          sessionHeader,
          { name: 'path', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '200': operationOutcome,
          '400': operationOutcome,
          '401': reauthorize,
          '403': operationOutcome,
          '404': operationOutcome,
        },
      },
    },
    '/api/fhir/{type}': {
      post: {
        summary: 'FHIR create. Idempotent: the same Idempotency-Key returns the first answer.',
        parameters: [
          sessionHeader,
          { name: 'type', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: true,
            schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{8,128}$' },
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/fhir+json': { schema: { type: 'object' } } },
        },
        responses: {
          '201': operationOutcome,
          '400': operationOutcome,
          '401': reauthorize,
          '403': operationOutcome,
          '409': reauthorize,
          '422': reauthorize,
        },
      },
    },
    '/api/fhir/{type}/{id}': {
      put: {
        summary: 'FHIR update (If-Match passed through; Idempotency-Key optional).',
        parameters: [
          sessionHeader,
          { name: 'type', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: { 'application/fhir+json': { schema: { type: 'object' } } },
        },
        responses: {
          '200': operationOutcome,
          '400': operationOutcome,
          '401': reauthorize,
          '412': operationOutcome,
        },
      },
    },
    '/api/openapi.json': {
      get: { summary: 'This document.', responses: { '200': { description: 'OpenAPI 3.1' } } },
    },
    '/health': { get: { summary: 'Liveness.', responses: { '200': { description: 'ok' } } } },
    '/ready': {
      get: {
        summary: 'Readiness (database reachable).',
        responses: {
          '200': { description: 'ready' },
          '503': { description: 'database unavailable' },
        },
      },
    },
  },
} as const;
