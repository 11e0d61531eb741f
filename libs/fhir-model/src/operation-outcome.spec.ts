import { describe, expect, it } from 'vitest';

import {
  createOperationOutcome,
  httpStatusForOutcome,
  isOperationOutcome,
} from './operation-outcome.js';

describe('FHIR R4 §OperationOutcome — errors to HTTP', () => {
  it.each([
    ['not-found', 404],
    ['deleted', 410],
    ['forbidden', 403],
    ['login', 401],
    ['invalid', 400],
    ['processing', 422],
    ['conflict', 409],
    ['exception', 500],
  ] as const)('%s maps to %i', (code, status) => {
    expect(httpStatusForOutcome(createOperationOutcome(code, 'x'))).toBe(status);
  });

  it('uses the most severe issue', () => {
    const outcome = createOperationOutcome('informational', 'fine', 'information');
    outcome.issue.push({ severity: 'error', code: 'not-found', diagnostics: 'gone' });
    expect(httpStatusForOutcome(outcome)).toBe(404);
  });

  it('recognises OperationOutcomes', () => {
    expect(isOperationOutcome(createOperationOutcome('invalid', 'bad'))).toBe(true);
    expect(isOperationOutcome({ resourceType: 'Patient' })).toBe(false);
    expect(isOperationOutcome(null)).toBe(false);
  });
});
