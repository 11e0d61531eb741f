/** The subset of `fetch` this library needs; inject a fake in tests. */
export type FetchLike = (request: Request) => Promise<Response>;

/** `globalThis.fetch`, bound, as a {@link FetchLike}. */
export const defaultFetch: FetchLike = (request) => globalThis.fetch(request);

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a body as JSON; undefined when it is empty or not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Seconds since the epoch from a millisecond clock. */
export function epochSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}
