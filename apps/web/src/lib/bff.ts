import type { Bundle, Resource } from '@bedside/fhir-model';

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

export interface EhrChoice {
  issuer: string;
  name: string;
  vendor: string;
}

export type BffFailure = {
  ok: false;
  status: number;
  /** `reauthorization_required`, `operation_outcome`, `network`, … */
  code: string;
  message: string;
  reason?: string;
};

export type BffResult<T> = { ok: true; value: T; status: number; headers: Headers } | BffFailure;

/** True when the failure means the user has to sign in again (the draft must survive). */
export function needsReauthorization(result: BffFailure): boolean {
  return result.code === 'reauthorization_required';
}

/**
 * Calls the BFF on this origin. The session handle in the header says which launch (tab) this
 * is; the session cookie itself is HttpOnly and travels on its own.
 */
export class BffClient {
  constructor(readonly handle: string) {}

  async request<T>(path: string, init: RequestInit = {}): Promise<BffResult<T>> {
    let response: Response;
    try {
      response = await fetch(path, {
        ...init,
        headers: { 'x-bedside-session': this.handle, accept: 'application/json', ...init.headers },
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
    if (response.ok)
      return { ok: true, value: body as T, status: response.status, headers: response.headers };
    const error = body as
      | { error?: string; message?: string; reason?: string; issue?: { diagnostics?: string }[] }
      | undefined;
    return {
      ok: false,
      status: response.status,
      code: error?.error ?? (error?.issue ? 'operation_outcome' : 'http_error'),
      message:
        error?.message ??
        error?.issue?.[0]?.diagnostics ??
        `The server answered ${response.status}.`,
      ...(error?.reason ? { reason: error.reason } : {}),
    };
  }

  session(): Promise<BffResult<SessionContext>> {
    return this.request<SessionContext>('/api/session');
  }

  read<R extends Resource>(type: R['resourceType'], id: string): Promise<BffResult<R>> {
    return this.request<R>(`/api/fhir/${type}/${encodeURIComponent(id)}`);
  }

  search(type: string, params: Record<string, string>): Promise<BffResult<Bundle>> {
    return this.request<Bundle>(`/api/fhir/${type}?${new URLSearchParams(params).toString()}`);
  }

  /** FHIR create; the same `idempotencyKey` never creates a second record. */
  create<R extends Resource>(resource: R, idempotencyKey: string): Promise<BffResult<R>> {
    return this.request<R>(`/api/fhir/${resource.resourceType}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(resource),
    });
  }
}

export async function fetchEhrChoices(): Promise<EhrChoice[]> {
  const response = await fetch('/api/ehrs', { cache: 'no-store' });
  if (!response.ok) return [];
  return ((await response.json()) as { ehrs: EhrChoice[] }).ehrs;
}

/** Where to go to sign in again and come back to this very screen. */
export function reauthorizeUrl(handle: string, location: Location): string {
  const back = new URL(location.href);
  back.searchParams.delete('session');
  const returnTo = `${back.pathname}${back.search}`;
  return `/reauthorize?${new URLSearchParams({ session: handle, return: returnTo }).toString()}`;
}
