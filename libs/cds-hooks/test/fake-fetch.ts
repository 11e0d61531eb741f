/**
 * A fetch fake that answers only the routes it is given (`"GET https://…"`) and fails loudly on
 * anything else: the unexpected request is recorded and the returned promise rejects.
 */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export type Route = (
  request: RecordedRequest,
  signal: AbortSignal | undefined,
) => Response | Promise<Response>;

export interface FakeFetch {
  (url: string, init?: RequestInit): Promise<Response>;
  calls: RecordedRequest[];
  unexpected: RecordedRequest[];
}

export function createFakeFetch(routes: Record<string, Route>): FakeFetch {
  const calls: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const fake = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const request = { method, url, headers };
    calls.push(request);
    const route = routes[`${method} ${url}`];
    if (route === undefined) {
      unexpected.push(request);
      throw new Error(`unexpected request: ${method} ${url}`);
    }
    return route(request, init.signal ?? undefined);
  };
  return Object.assign(fake, { calls, unexpected });
}

export function fhirJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/fhir+json' },
  });
}

/** A response that never comes, unless the request is aborted (as real fetch does). */
export function hang(
  _request: RecordedRequest,
  signal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), {
      once: true,
    });
  });
}

/** A response that never comes, even when aborted (a misbehaving fetch). */
export function hangForever(): Promise<Response> {
  return new Promise(() => undefined);
}
