import type { Patient } from '@bedside/fhir-model';

/** The launch context the BFF shares with the app: never a token. */
export interface SessionContext {
  ehr: { name: string; vendor: string; issuer: string };
  patient: string | null;
  encounter: string | null;
  fhirUser: string | null;
  scope: string;
  needPatientBanner: boolean;
  expiresAt: string;
}

export type BffResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string };

/**
 * Calls the BFF on this origin. The session handle in the header says which launch (tab) this
 * is; the session cookie itself is HttpOnly and travels on its own.
 */
async function callBff<T>(path: string, sessionHandle: string): Promise<BffResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { 'x-bedside-session': sessionHandle, accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return {
      ok: false,
      status: 0,
      code: 'network',
      message: 'The app could not reach its server.',
    };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return { ok: true, value: body as T };
  const error = body as
    | { error?: string; message?: string; issue?: { diagnostics?: string }[] }
    | undefined;
  return {
    ok: false,
    status: response.status,
    code: error?.error ?? (error?.issue ? 'operation_outcome' : 'http_error'),
    message:
      error?.message ?? error?.issue?.[0]?.diagnostics ?? `The server answered ${response.status}.`,
  };
}

export const fetchSessionContext = (handle: string) =>
  callBff<SessionContext>('/api/session', handle);

export const fetchPatient = (handle: string, patientId: string) =>
  callBff<Patient>(`/api/fhir/Patient/${encodeURIComponent(patientId)}`, handle);
