import { describe, expect, it } from 'vitest';

import { normalizeUpstreamError } from './upstream-errors.js';

describe('FHIR R4 §http errors — vendor errors become OperationOutcomes', () => {
  it('keeps an OperationOutcome the EHR sent', () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', diagnostics: 'gone' }],
    };
    expect(normalizeUpstreamError(404, JSON.stringify(outcome))).toEqual({ status: 404, outcome });
  });

  it.each([
    [
      400,
      JSON.stringify({ error: 'invalid_request', error_description: 'bad param' }),
      400,
      'invalid',
      'The EHR answered HTTP 400: invalid_request: bad param',
    ],
    [403, '', 403, 'forbidden', 'The EHR answered HTTP 403.'],
    [
      429,
      JSON.stringify({ message: 'slow down' }),
      429,
      'throttled',
      'The EHR answered HTTP 429: slow down',
    ],
    [
      500,
      '<html><body><h1>Internal Server Error</h1></body></html>',
      502,
      'exception',
      'The EHR failed (HTTP 500): Internal Server Error',
    ],
    [503, 'busy', 502, 'exception', 'The EHR failed (HTTP 503): busy'],
    [504, '', 504, 'timeout', 'The EHR failed (HTTP 504).'],
  ])('HTTP %i from the EHR', (status, body, expectedStatus, code, diagnostics) => {
    expect(normalizeUpstreamError(status, body)).toEqual({
      status: expectedStatus,
      outcome: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code, diagnostics }],
      },
    });
  });
});
