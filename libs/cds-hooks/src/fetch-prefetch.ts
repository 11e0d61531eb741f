import { isFhirResourceLike } from './internal/checker.js';
import { resolvePrefetchTemplate } from './prefetch-template.js';
import type { CdsServiceRequest, FhirResource, PrefetchValue } from './types.js';

/** The subset of `fetch` this module uses (inject the platform's `fetch` or a fake). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export const PrefetchFetchErrorCode = {
  /** The request has no `fhirServer`: the data cannot be fetched (answer 412). */
  NoFhirServer: 'no_fhir_server',
  /** The request has no `fhirAuthorization` and unauthenticated reads are not allowed (412). */
  NoAuthorization: 'no_authorization',
  /** The deadline passed before the FHIR server answered. */
  Timeout: 'timeout',
  /** The caller's `signal` aborted the fetch. */
  Aborted: 'aborted',
  /** The FHIR server could not be reached. */
  NetworkError: 'network_error',
  /** The FHIR server answered with an error status (`outcome` holds its OperationOutcome). */
  HttpError: 'http_error',
  /** The FHIR server answered 2xx with something that is not a FHIR resource. */
  InvalidResponse: 'invalid_response',
  /** The resolved template points outside `fhirServer`; nothing was sent. */
  OutsideFhirServer: 'outside_fhir_server',
} as const;
export type PrefetchFetchErrorCode =
  (typeof PrefetchFetchErrorCode)[keyof typeof PrefetchFetchErrorCode];

export interface PrefetchFetchError {
  key: string;
  code: PrefetchFetchErrorCode;
  message: string;
  /** The URL requested (it contains FHIR ids; never the access token). */
  url?: string;
  status?: number;
  /** OperationOutcome from the FHIR server or from the CDS Client's prefetch. */
  outcome?: FhirResource;
}

export interface FetchMissingPrefetchOptions {
  /** The service's prefetch templates, as declared in discovery. */
  templates: Readonly<Record<string, string>>;
  /** The validated hook request. */
  request: Pick<CdsServiceRequest, 'hook' | 'context' | 'fhirServer' | 'fhirAuthorization'> & {
    prefetch?: Readonly<Record<string, unknown>>;
  };
  /** Prefetch to complete; defaults to `request.prefetch`. */
  prefetch?: Readonly<Record<string, unknown>>;
  /** The keys the service needs; defaults to every template key. */
  keys?: readonly string[];
  fetch: FetchLike;
  /** Absolute deadline, in ms on the clock of `now`: unfinished reads are aborted then. */
  deadlineMs?: number;
  /** Clock in ms; defaults to `Date.now`. */
  now?: () => number;
  /** Aborts all reads when the caller gives up (e.g. the client disconnected). */
  signal?: AbortSignal;
  /**
   * Read `fhirServer` without a token when the request has no `fhirAuthorization` (an open
   * development server, as the CDS Hooks sandbox uses: cds-hooks.md PF-11, §14). Default false.
   */
  allowUnauthenticated?: boolean;
}

export interface FetchMissingPrefetchResult {
  /**
   * Usable data by key: resources, Bundles and `null` ("no data", never fetched again). Keys that
   * were absent or held an OperationOutcome and could not be fetched are left out.
   */
  prefetch: Record<string, PrefetchValue>;
  /** Keys read from `fhirServer`. */
  fetched: string[];
  /** Keys still without data: if the service needs them, it answers `412` (PF-11). */
  missing: string[];
  /**
   * Keys whose template has a token this request cannot fill (e.g. `{{context.encounterId}}`
   * without an encounter): the data does not apply here; not a reason for `412`.
   */
  unresolved: string[];
  errors: PrefetchFetchError[];
}

const DEADLINE = Symbol('deadline');

/**
 * Completes a hook request's prefetch (CDS Hooks 2.0 §Prefetch Template, §FHIR Resource Access):
 * every needed key that is absent, or that the client filled with an OperationOutcome, is read
 * from `fhirServer` with `Authorization: Bearer <fhirAuthorization.access_token>`, all in
 * parallel, aborted at `deadlineMs`. `null` means "no data" and is kept as is (PF-11: never a
 * reason to 412). A read that answers 404/410 becomes `null` (PF-8). Resolved URLs must stay
 * inside `fhirServer`, so the token is never sent elsewhere. Search results are not paged.
 *
 * Never throws for FHIR or network failures: they are reported in `errors` and `missing`.
 * See: cds-hooks.md §5 (PF-8, PF-10, PF-11), §6 (AUTH-3), §16.
 */
export async function fetchMissingPrefetch(
  options: FetchMissingPrefetchOptions,
): Promise<FetchMissingPrefetchResult> {
  const { templates, request } = options;
  const given = options.prefetch ?? request.prefetch ?? {};
  const result: FetchMissingPrefetchResult = {
    prefetch: {},
    fetched: [],
    missing: [],
    unresolved: [],
    errors: [],
  };

  for (const [key, value] of Object.entries(given)) {
    if (value === null) result.prefetch[key] = null;
    else if (isUsableResource(value)) result.prefetch[key] = value;
  }

  const toFetch: { key: string; path: string; given: unknown }[] = [];
  for (const key of options.keys ?? Object.keys(templates)) {
    const template = templates[key];
    if (template === undefined || key in result.prefetch) continue;
    const path = resolvePrefetchTemplate(template, {
      hookContext: request.context,
      hook: request.hook,
    });
    if (path === undefined) result.unresolved.push(key);
    else toFetch.push({ key, path, given: given[key] });
  }
  if (toFetch.length === 0) return result;

  const fhirServer = request.fhirServer;
  const token = request.fhirAuthorization?.access_token;
  if (fhirServer === undefined || (token === undefined && options.allowUnauthenticated !== true)) {
    for (const item of toFetch) {
      result.missing.push(item.key);
      result.errors.push({
        key: item.key,
        ...(fhirServer === undefined
          ? { code: PrefetchFetchErrorCode.NoFhirServer, message: 'the request has no fhirServer' }
          : {
              code: PrefetchFetchErrorCode.NoAuthorization,
              message: 'the request has no fhirAuthorization',
            }),
        ...outcomeOf(item.given),
      });
    }
    return result;
  }

  const controller = new AbortController();
  const stop = new Promise<typeof DEADLINE>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve(DEADLINE), { once: true });
  });
  let deadlineHit = false;
  const onCallerAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.deadlineMs !== undefined && !controller.signal.aborted) {
    const remaining = options.deadlineMs - (options.now ?? Date.now)();
    const expire = () => {
      deadlineHit = true;
      controller.abort(new Error('prefetch deadline reached'));
    };
    if (remaining <= 0) expire();
    else timer = setTimeout(expire, remaining);
  }

  try {
    const outcomes = await Promise.all(
      toFetch.map((item) =>
        readOne({
          fetch: options.fetch,
          fhirServer,
          token,
          path: item.path,
          signal: controller.signal,
          stop,
        }),
      ),
    );
    toFetch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) return;
      if ('value' in outcome) {
        result.prefetch[item.key] = outcome.value;
        result.fetched.push(item.key);
        return;
      }
      result.missing.push(item.key);
      const code =
        outcome.error.code === PrefetchFetchErrorCode.Aborted && deadlineHit
          ? PrefetchFetchErrorCode.Timeout
          : outcome.error.code;
      result.errors.push({
        key: item.key,
        ...outcome.error,
        code,
        ...(code === PrefetchFetchErrorCode.Timeout ? { message: 'the deadline passed' } : {}),
      });
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
  return result;
}

type ReadOutcome = { value: PrefetchValue } | { error: Omit<PrefetchFetchError, 'key'> };

interface ReadOne {
  fetch: FetchLike;
  fhirServer: string;
  token: string | undefined;
  path: string;
  signal: AbortSignal;
  stop: Promise<typeof DEADLINE>;
}

async function readOne({
  fetch,
  fhirServer,
  token,
  path,
  signal,
  stop,
}: ReadOne): Promise<ReadOutcome> {
  const url = urlInside(fhirServer, path);
  if (url === undefined) {
    return {
      error: {
        code: PrefetchFetchErrorCode.OutsideFhirServer,
        message: 'the resolved prefetch URL is outside fhirServer',
      },
    };
  }
  const aborted: ReadOutcome = {
    error: { code: PrefetchFetchErrorCode.Aborted, message: 'aborted', url },
  };
  if (signal.aborted) return aborted;

  const headers: Record<string, string> = { accept: 'application/fhir+json' };
  // CDS Hooks 2.0 §FHIR Resource Access: the token goes with every call to fhirServer, and only there.
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  try {
    // Racing `stop` returns at the deadline even if an injected fetch ignores the signal.
    const response = await Promise.race([fetch(url, { method: 'GET', headers, signal }), stop]);
    if (response === DEADLINE) return aborted;
    const body = await Promise.race([readJson(response), stop]);
    if (body === DEADLINE) return aborted;

    if (response.ok) {
      if (isUsableResource(body)) return { value: body };
      return {
        error: {
          code: PrefetchFetchErrorCode.InvalidResponse,
          message: 'the FHIR server did not return a FHIR resource',
          url,
          status: response.status,
          ...outcomeOf(body),
        },
      };
    }
    // PF-8: a read that finds nothing is `null` ("no data").
    const isRead = !path.includes('?');
    if (isRead && (response.status === 404 || response.status === 410)) return { value: null };
    return {
      error: {
        code: PrefetchFetchErrorCode.HttpError,
        message: `the FHIR server answered ${response.status}`,
        url,
        status: response.status,
        ...outcomeOf(body),
      },
    };
  } catch (error) {
    if (signal.aborted) return aborted;
    return {
      error: {
        code: PrefetchFetchErrorCode.NetworkError,
        message: error instanceof Error ? error.message : 'the FHIR server could not be reached',
        url,
      },
    };
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

function isUsableResource(value: unknown): value is FhirResource {
  return isFhirResourceLike(value) && value.resourceType !== 'OperationOutcome';
}

function outcomeOf(value: unknown): { outcome?: FhirResource } {
  return isFhirResourceLike(value) && value.resourceType === 'OperationOutcome'
    ? { outcome: value }
    : {};
}

/** `fhirServer` + relative path, or undefined when the result escapes `fhirServer`. */
function urlInside(fhirServer: string, path: string): string | undefined {
  let base: URL;
  let url: URL;
  try {
    base = new URL(fhirServer.replace(/\/+$/, ''));
    url = new URL(`${base.href.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  } catch {
    return undefined;
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const inside = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
  return url.origin === base.origin && inside ? url.href : undefined;
}
