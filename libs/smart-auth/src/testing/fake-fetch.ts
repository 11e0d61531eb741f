/**
 * A strict fake `fetch` for tests: it answers only the requests it was told to expect, in order,
 * and fails the test (by rejecting) on anything else — wrong method, URL, header or body.
 */
export interface ExpectedRequest {
  method: string;
  url: string;
  /** Headers that must be present with exactly these values (names case-insensitive). */
  headers?: Readonly<Record<string, string>>;
  /** Headers that must be absent. */
  absentHeaders?: readonly string[];
  /**
   * Body check: a string for an exact match, a record for a form body that must contain exactly
   * these fields (a `RegExp` value matches the field), or a function that throws on mismatch.
   */
  body?: string | Readonly<Record<string, string | RegExp>> | ((body: string) => void);
  /** The response, or a function producing it (a fresh Response per call). */
  respond: Response | ((request: Request) => Response | Promise<Response>);
}

export interface StrictFetch {
  (request: Request): Promise<Response>;
  /** Requests seen so far (cloned before their bodies were read). */
  readonly calls: Request[];
  /** Adds expectations at the end of the queue. */
  expect(...requests: ExpectedRequest[]): StrictFetch;
  /** Throws when expected requests were never made. */
  assertDone(): void;
}

export class UnexpectedRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedRequestError';
  }
}

/** Creates a {@link StrictFetch} answering `expected` in order. */
export function createStrictFetch(...expected: ExpectedRequest[]): StrictFetch {
  const queue = [...expected];
  const calls: Request[] = [];
  const fake = async (request: Request): Promise<Response> => {
    calls.push(request.clone());
    const next = queue.shift();
    const label = `${request.method} ${request.url}`;
    if (!next) throw new UnexpectedRequestError(`unexpected request ${label}`);
    if (request.method !== next.method || request.url !== next.url) {
      throw new UnexpectedRequestError(`expected ${next.method} ${next.url}, got ${label}`);
    }
    for (const [name, value] of Object.entries(next.headers ?? {})) {
      const actual = request.headers.get(name);
      if (actual !== value) {
        throw new UnexpectedRequestError(
          `${label}: header ${name} is ${actual}, expected ${value}`,
        );
      }
    }
    for (const name of next.absentHeaders ?? []) {
      if (request.headers.has(name)) {
        throw new UnexpectedRequestError(`${label}: header ${name} must be absent`);
      }
    }
    if (next.body !== undefined) checkBody(label, await request.clone().text(), next.body);
    return typeof next.respond === 'function' ? next.respond(request) : next.respond.clone();
  };
  const strict = fake as StrictFetch;
  Object.defineProperty(strict, 'calls', { value: calls });
  strict.expect = (...more) => {
    queue.push(...more);
    return strict;
  };
  strict.assertDone = () => {
    if (queue.length > 0) {
      const pending = queue.map((entry) => `${entry.method} ${entry.url}`).join(', ');
      throw new UnexpectedRequestError(`expected requests not made: ${pending}`);
    }
  };
  return strict;
}

function checkBody(label: string, actual: string, expected: NonNullable<ExpectedRequest['body']>) {
  if (typeof expected === 'string') {
    if (actual !== expected) {
      throw new UnexpectedRequestError(`${label}: body ${actual} !== ${expected}`);
    }
    return;
  }
  if (typeof expected === 'function') {
    expected(actual);
    return;
  }
  const form = new URLSearchParams(actual);
  const keys = [...new Set(form.keys())].sort();
  const wanted = Object.keys(expected).sort();
  if (keys.join('&') !== wanted.join('&')) {
    throw new UnexpectedRequestError(`${label}: form fields [${keys}] !== [${wanted}]`);
  }
  for (const [key, value] of Object.entries(expected)) {
    const values = form.getAll(key);
    const got = values[0] ?? '';
    const ok = values.length === 1 && (typeof value === 'string' ? got === value : value.test(got));
    if (!ok) throw new UnexpectedRequestError(`${label}: form ${key}=${values.join(',')}`);
  }
}

/** A JSON response with the given status and extra headers. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}
