import type { OperationOutcome, Resource } from '@bedside/fhir-model';

import {
  FhirErrorCode,
  FhirRequestError,
  PagingSessionExpiredError,
  UnsafeLinkError,
  WriteNotSupportedError,
} from './errors.js';
import { outcomeCodes } from './operation-outcome.js';
import { defaultSleep, parseRetryAfter } from './rate-limit.js';

import type { RateLimiter, Sleep } from './rate-limit.js';
import type { EhrAdapter, SearchPlanContext } from './types.js';

/** What sends a request with the session's access token: smart-auth's `TokenLifecycle` or
 * `BackendServicesClient` (refresh and the 401 retry happen there). */
export interface TokenFetcher {
  fetchWithToken(request: Request): Promise<Response>;
}

export interface FhirClientOptions {
  /** The connection's FHIR base (`iss`); every URL the client follows must lie under it. */
  fhirBaseUrl: string;
  adapter: EhrAdapter;
  auth: TokenFetcher;
  /** Patient and tenant in context: added to searches where the vendor requires them. */
  context?: SearchPlanContext;
  /** Shared per process: the vendor's per-base request budget (row 46). */
  rateLimiter?: RateLimiter;
  now?: () => number;
  sleep?: Sleep;
  /** 429 retries per call (row 46); default 2. */
  maxRetries?: number;
  /** A `Retry-After` longer than this is not waited for; default 120 s. */
  maxRetryAfterSeconds?: number;
  /** Pages followed per search before it stops (result `truncated`); default 1000. */
  maxPages?: number;
  /** Restarts of a search whose paging session expired (row 39); default 2. */
  maxRestarts?: number;
}

export interface SearchOptions {
  /** Overrides {@link FhirClientOptions.maxPages} for this search. */
  maxPages?: number;
}

export interface SearchResult<T extends Resource> {
  /** Every match once: de-duplicated by type/id, the latest version kept (row 37). */
  resources: T[];
  /** OperationOutcome entries found inside the bundles (`search.mode = outcome`, row 36). */
  warnings: OperationOutcome[];
  /** A warning said more data may exist than returned (Epic 4119, row 36). */
  partial: boolean;
  /** Pages read, over every planned query. */
  pages: number;
  /** Searches restarted after an expired paging session (row 39). */
  restarts: number;
  /** Stopped at `maxPages` with a `next` link left. */
  truncated: boolean;
  /** Duplicate entries dropped (row 37). */
  duplicatesDropped: number;
}

export interface UpdateOptions {
  /**
   * `If-Match` value; default `W/"<meta.versionId>"` when the resource has one (row 44), `false`
   * to send none.
   */
  ifMatch?: string | false;
}

type SearchParamsInit = URLSearchParams | Readonly<Record<string, string | readonly string[]>>;

interface BundleLike {
  resourceType: 'Bundle';
  link?: { relation?: string; url?: string }[];
  entry?: { resource?: Resource; search?: { mode?: string } }[];
}

const FHIR_JSON = 'application/fhir+json';

/**
 * A FHIR R4 REST client for one connection: read, search (every page, de-duplicated, restarted
 * when a paging session expires), create and update (with `If-Match`). Every call goes through
 * `auth.fetchWithToken`, so tokens are refreshed by smart-auth's lifecycle manager; 429s are
 * retried after `Retry-After`; failures become typed {@link FhirRequestError}s built by the
 * vendor adapter from the OperationOutcome.
 * See: FHIR R4 §http; SMART App Launch 2.2 §app-launch step 6 (TOKEN-09, STATE-08).
 */
export class FhirClient {
  readonly #options: FhirClientOptions;
  readonly #base: string;
  readonly #baseUrl: URL;
  readonly #now: () => number;
  readonly #sleep: Sleep;

  constructor(options: FhirClientOptions) {
    this.#options = options;
    this.#base = options.fhirBaseUrl.replace(/\/+$/, '');
    this.#baseUrl = new URL(`${this.#base}/`);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  get fhirBaseUrl(): string {
    return this.#base;
  }

  /**
   * `GET [base]/[type]/[id]`.
   * @throws {FhirRequestError} (typed by the vendor adapter) on a non-2xx answer.
   */
  async read<T extends Resource = Resource>(resourceType: string, id: string): Promise<T> {
    const resource = await this.#json<T>(
      'GET',
      this.#url(`${resourceType}/${encodeURIComponent(id)}`),
    );
    if (resource.resourceType !== resourceType) {
      throw new FhirRequestError(
        FhirErrorCode.InvalidResponse,
        `expected a ${resourceType}, got ${String(resource.resourceType)}`,
        { status: 200 },
      );
    }
    return resource;
  }

  /**
   * Searches `resourceType` and follows every `next` link (never computing offsets, row 37),
   * only within this FHIR base (STATE-08). The vendor adapter first adds required parameters,
   * caps `_count` and may fan out one search into several (rows 7, 35, 38, 40). Resources seen
   * twice are kept once, the latest `meta.lastUpdated` winning (row 37); OperationOutcome entries
   * are returned as warnings, not resources (row 36). An expired paging session restarts the
   * search from its first page where the vendor says so (Epic 4113, row 39).
   * @throws {MissingSearchParameterError} when a required parameter cannot be filled in.
   * @throws {UnsafeLinkError} for a `next` link outside the FHIR base.
   * @throws {FhirRequestError} on a non-2xx answer.
   */
  async search<T extends Resource = Resource>(
    resourceType: string,
    params: SearchParamsInit = {},
    options: SearchOptions = {},
  ): Promise<SearchResult<T>> {
    const plans = this.#options.adapter.planSearch(
      resourceType,
      toSearchParams(params),
      this.#options.context,
    );
    const maxPages = options.maxPages ?? this.#options.maxPages ?? 1000;
    const maxRestarts = this.#options.maxRestarts ?? 2;
    const partialCodes = new Set(this.#options.adapter.paging.partialDataCodes);
    const result: SearchResult<T> = {
      resources: [],
      warnings: [],
      partial: false,
      pages: 0,
      restarts: 0,
      truncated: false,
      duplicatesDropped: 0,
    };
    const positions = new Map<string, number>();

    for (const plan of plans) {
      const query = plan.params.toString();
      const first = this.#url(`${plan.resourceType}${query ? `?${query}` : ''}`);
      let url = first;
      let pagesThisRun = 0;
      let restarts = 0;
      for (;;) {
        let bundle: BundleLike;
        try {
          bundle = await this.#json<BundleLike>('GET', url);
        } catch (error) {
          if (
            error instanceof PagingSessionExpiredError &&
            this.#options.adapter.paging.restartOnExpiredSession &&
            pagesThisRun > 0 &&
            restarts < maxRestarts
          ) {
            restarts++;
            result.restarts++;
            url = first;
            pagesThisRun = 0;
            continue;
          }
          throw error;
        }
        if (bundle.resourceType !== 'Bundle') {
          throw new FhirRequestError(
            FhirErrorCode.InvalidResponse,
            'search did not return a Bundle',
            {
              status: 200,
            },
          );
        }
        result.pages++;
        pagesThisRun++;
        for (const entry of bundle.entry ?? []) {
          const resource = entry.resource;
          if (!resource) continue;
          if (entry.search?.mode === 'outcome' || resource.resourceType === 'OperationOutcome') {
            const outcome = resource as OperationOutcome;
            result.warnings.push(outcome);
            if (outcomeCodes(outcome).some((code) => partialCodes.has(code))) result.partial = true;
            continue;
          }
          this.#collect(result, positions, resource as T);
        }
        const next = bundle.link?.find((link) => link.relation === 'next')?.url;
        if (!next) break;
        if (pagesThisRun >= maxPages) {
          result.truncated = true;
          break;
        }
        url = this.#safeUrl(next);
      }
    }
    return result;
  }

  /**
   * `POST [base]/[type]` with `Prefer: return=representation`; returns the stored resource.
   * @throws {WriteNotSupportedError} before sending when the vendor has no such write (row 45).
   * @throws {FhirRequestError} on a non-2xx answer.
   */
  async create<T extends Resource>(resource: T): Promise<T> {
    this.#assertWritable(resource.resourceType, 'create');
    const response = await this.#send(
      'POST',
      this.#url(resource.resourceType),
      JSON.stringify(resource),
      {
        Prefer: 'return=representation',
      },
    );
    return this.#writeResult(response, resource);
  }

  /**
   * `PUT [base]/[type]/[id]` with `If-Match: W/"<versionId>"` (row 44: Oracle requires it and
   * answers 409 when stale → `VersionConflict`).
   * @throws {WriteNotSupportedError} before sending when the vendor has no such write (row 45).
   * @throws {FhirRequestError} on a non-2xx answer.
   */
  async update<T extends Resource>(resource: T, options: UpdateOptions = {}): Promise<T> {
    if (!resource.id) throw new TypeError('update needs a resource with an id');
    this.#assertWritable(resource.resourceType, 'update');
    const headers: Record<string, string> = { Prefer: 'return=representation' };
    const versionId = resource.meta?.versionId;
    const ifMatch = options.ifMatch ?? (versionId ? `W/"${versionId}"` : undefined);
    if (ifMatch) headers['If-Match'] = ifMatch;
    const response = await this.#send(
      'PUT',
      this.#url(`${resource.resourceType}/${encodeURIComponent(resource.id)}`),
      JSON.stringify(resource),
      headers,
    );
    return this.#writeResult(response, resource);
  }

  #assertWritable(resourceType: string, interaction: 'create' | 'update'): void {
    const adapter = this.#options.adapter;
    if (!adapter.supportsWrite(resourceType, interaction)) {
      throw new WriteNotSupportedError(
        `${adapter.vendor} offers no FHIR ${interaction} for ${resourceType} (row 45)`,
      );
    }
  }

  async #writeResult<T extends Resource>(response: Response, sent: T): Promise<T> {
    const text = await response.text();
    if (text.trim() !== '') {
      const body = parseJson(text);
      if (isResource(body) && body.resourceType === sent.resourceType) return body as T;
    }
    // No representation: take the id and version from Location / ETag.
    const location = response.headers.get('Location') ?? response.headers.get('Content-Location');
    const match = location ? /\/([^/]+)\/([^/]+)(?:\/_history\/([^/]+))?$/.exec(location) : null;
    const copy = { ...sent } as T;
    if (match?.[2]) copy.id = match[2];
    const version = match?.[3] ?? /W\/"([^"]+)"/.exec(response.headers.get('ETag') ?? '')?.[1];
    if (version) copy.meta = { ...sent.meta, versionId: version };
    return copy;
  }

  #collect<T extends Resource>(
    result: SearchResult<T>,
    positions: Map<string, number>,
    resource: T,
  ): void {
    if (!resource.id) {
      result.resources.push(resource);
      return;
    }
    const key = `${resource.resourceType}/${resource.id}`;
    const at = positions.get(key);
    if (at === undefined) {
      positions.set(key, result.resources.length);
      result.resources.push(resource);
      return;
    }
    result.duplicatesDropped++;
    const kept = result.resources[at];
    if (kept && isNewer(resource, kept)) result.resources[at] = resource;
  }

  #url(path: string): string {
    return `${this.#base}/${path}`;
  }

  /** Resolves a server-provided link; refuses anything outside the FHIR base (STATE-08). */
  #safeUrl(link: string): string {
    let url: URL;
    try {
      url = new URL(link, this.#baseUrl);
    } catch {
      throw new UnsafeLinkError(`unreadable link ${link}`);
    }
    const base = this.#baseUrl;
    if (url.origin !== base.origin || !`${url.pathname}/`.startsWith(base.pathname)) {
      throw new UnsafeLinkError(`refusing to follow ${url.href}: outside ${this.#base}`);
    }
    return url.href;
  }

  async #json<T>(method: string, url: string): Promise<T> {
    const response = await this.#send(method, url);
    const text = await response.text();
    const body = parseJson(text);
    if (body === undefined) {
      throw new FhirRequestError(
        FhirErrorCode.InvalidResponse,
        `${method} ${url}: body is not JSON`,
        {
          status: response.status,
        },
      );
    }
    return body as T;
  }

  /** One FHIR call: rate limit, token, 429 retries; throws the adapter's typed error on failure. */
  async #send(
    method: string,
    url: string,
    body?: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response> {
    const options = this.#options;
    const maxRetries = options.maxRetries ?? 2;
    const maxWait = options.maxRetryAfterSeconds ?? 120;
    for (let attempt = 0; ; attempt++) {
      await options.rateLimiter?.acquire(this.#base, options.adapter.rateLimit.requestsPerMinute);
      // Rows 1, 42: always ask for FHIR JSON.
      const headers: Record<string, string> = { Accept: FHIR_JSON, ...extraHeaders };
      if (body !== undefined) headers['Content-Type'] = FHIR_JSON; // row 44
      const request = new Request(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const response = await options.auth.fetchWithToken(request);
      if (response.ok) return response;
      if (response.status === 429 && attempt < maxRetries) {
        // Row 46: honour Retry-After (eCW blocks for the rest of the minute).
        const wait =
          parseRetryAfter(response.headers.get('Retry-After'), this.#now()) ??
          options.adapter.rateLimit.defaultRetryAfterSeconds;
        if (wait <= maxWait) {
          await response.body?.cancel();
          await this.#sleep(wait * 1000);
          continue;
        }
      }
      const text = await response.text().catch(() => '');
      throw options.adapter.classifyError({
        status: response.status,
        method,
        url,
        headers: response.headers,
        body: text,
      });
    }
  }
}

function toSearchParams(params: SearchParamsInit): URLSearchParams {
  if (params instanceof URLSearchParams) return new URLSearchParams(params);
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string') out.append(name, value);
    else for (const item of value) out.append(name, item);
  }
  return out;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isResource(value: unknown): value is Resource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Resource).resourceType === 'string'
  );
}

/** True when `candidate` is a later version than `kept` (lastUpdated, then numeric versionId). */
function isNewer(candidate: Resource, kept: Resource): boolean {
  const a = Date.parse(candidate.meta?.lastUpdated ?? '');
  const b = Date.parse(kept.meta?.lastUpdated ?? '');
  if (!Number.isNaN(a) && !Number.isNaN(b) && a !== b) return a > b;
  const va = Number(candidate.meta?.versionId);
  const vb = Number(kept.meta?.versionId);
  return Number.isFinite(va) && Number.isFinite(vb) && va > vb;
}
