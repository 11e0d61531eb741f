import {
  createOperationOutcome,
  isOperationOutcome,
  type IssueType,
  type OperationOutcome,
} from '@bedside/fhir-model';

const issueTypeByStatus: Readonly<Record<number, IssueType>> = {
  400: 'invalid',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  410: 'deleted',
  412: 'conflict',
  422: 'processing',
  429: 'throttled',
};

/**
 * Vendors answer errors in their own shapes (HTML error pages, OAuth JSON, empty bodies). The app
 * always gets an OperationOutcome: kept as is when the EHR sent one, otherwise made from the
 * status and whatever text the EHR gave. An EHR failure (5xx) becomes 502, a time-out 504.
 * See: FHIR R4 §http "Error handling".
 */
export function normalizeUpstreamError(
  upstreamStatus: number,
  text: string,
): { status: number; outcome: OperationOutcome } {
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const status = upstreamStatus >= 500 ? (upstreamStatus === 504 ? 504 : 502) : upstreamStatus;
  if (isOperationOutcome(parsed)) return { status, outcome: parsed };
  const vendorText =
    typeof parsed === 'object' && parsed !== null
      ? [
          (parsed as Record<string, unknown>)['error'],
          (parsed as Record<string, unknown>)['error_description'],
          (parsed as Record<string, unknown>)['message'],
        ]
          .filter((part): part is string => typeof part === 'string')
          .join(': ')
      : text
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 200);
  const issueType: IssueType =
    upstreamStatus >= 500
      ? upstreamStatus === 504
        ? 'timeout'
        : 'exception'
      : (issueTypeByStatus[upstreamStatus] ?? 'processing');
  const prefix =
    upstreamStatus >= 500
      ? `The EHR failed (HTTP ${upstreamStatus})`
      : `The EHR answered HTTP ${upstreamStatus}`;
  return {
    status,
    outcome: createOperationOutcome(
      issueType,
      vendorText ? `${prefix}: ${vendorText}` : `${prefix}.`,
    ),
  };
}
