import type { ValidationIssue, ValidationResult } from '../issues.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];
export type JsonObject = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `['cards', 0, 'summary']` → `cards[0].summary`; odd keys are quoted: `prefetch["a b"]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Collects errors and warnings while a validator walks a document. */
export class Checker {
  readonly errors: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];

  error(path: Path, message: string): void {
    this.errors.push({ path: formatPath(path), message });
  }

  warn(path: Path, message: string): void {
    this.warnings.push({ path: formatPath(path), message });
  }

  result<T>(value: T): ValidationResult<T> {
    return this.errors.length === 0
      ? { ok: true, value, warnings: this.warnings }
      : { ok: false, issues: this.errors, warnings: this.warnings };
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short JSON rendering of a value for messages (never echoes large payloads). */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const Messages = {
  required: 'is required',
  requiredNull: 'must not be null',
  optionalNull: 'must not be null; omit the attribute instead',
  requiredEmpty: 'must not be empty',
  optionalEmpty: 'must not be empty; omit the attribute instead',
} as const;

interface Presence {
  required: boolean;
}

/**
 * Reads `obj[key]` and reports absence and `null` (CDS Hooks 2.0 §Use of JSON: optional
 * attributes without a value are omitted, never `null`). Returns `undefined` when there is
 * nothing further to check.
 */
function present(c: Checker, obj: JsonObject, key: string, path: Path, opts: Presence): unknown {
  const value = obj[key];
  if (value === undefined) {
    if (opts.required) c.error([...path, key], Messages.required);
    return undefined;
  }
  if (value === null) {
    c.error([...path, key], opts.required ? Messages.requiredNull : Messages.optionalNull);
    return undefined;
  }
  return value;
}

function emptyMessage(opts: Presence): string {
  return opts.required ? Messages.requiredEmpty : Messages.optionalEmpty;
}

/** A string attribute; `""` and whitespace-only strings are refused (CDS Hooks 2.0 §Use of JSON). */
export function readString(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: Path,
  opts: Presence,
): string | undefined {
  const value = present(c, obj, key, path, opts);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    c.error([...path, key], 'must be a string');
    return undefined;
  }
  if (value.trim() === '') {
    c.error([...path, key], emptyMessage(opts));
    return undefined;
  }
  return value;
}

export function readBoolean(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: Path,
  opts: Presence,
): boolean | undefined {
  const value = present(c, obj, key, path, opts);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    c.error([...path, key], 'must be a boolean');
    return undefined;
  }
  return value;
}

export function readNonNegativeInteger(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: Path,
  opts: Presence,
): number | undefined {
  const value = present(c, obj, key, path, opts);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    c.error([...path, key], 'must be a non-negative integer');
    return undefined;
  }
  return value;
}

/** An object attribute; `{}` is refused unless `allowEmpty`. */
export function readObject(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: Path,
  opts: Presence & { allowEmpty?: boolean },
): JsonObject | undefined {
  const value = present(c, obj, key, path, opts);
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) {
    c.error([...path, key], 'must be an object');
    return undefined;
  }
  if (!opts.allowEmpty && Object.keys(value).length === 0) {
    c.error([...path, key], emptyMessage(opts));
    return undefined;
  }
  return value;
}

/** An array attribute; `[]` is refused unless `allowEmpty` (only `cards` and `services` allow it). */
export function readArray(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: Path,
  opts: Presence & { allowEmpty?: boolean },
): unknown[] | undefined {
  const value = present(c, obj, key, path, opts);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    c.error([...path, key], 'must be an array');
    return undefined;
  }
  if (!opts.allowEmpty && value.length === 0) {
    c.error([...path, key], emptyMessage(opts));
    return undefined;
  }
  return value;
}

export function readEnum<T extends string>(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: Path,
  values: readonly T[],
  opts: Presence,
): T | undefined {
  const value = present(c, obj, key, path, opts);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    const allowed = values.map((v) => `"${v}"`).join(', ');
    c.error([...path, key], `must be one of ${allowed} (got ${show(value)})`);
    return undefined;
  }
  return value as T;
}

/** Element of an array that must be an object. */
export function expectObject(c: Checker, value: unknown, path: Path): JsonObject | undefined {
  if (value === null || value === undefined) {
    c.error(path, Messages.requiredNull);
    return undefined;
  }
  if (!isJsonObject(value)) {
    c.error(path, 'must be an object');
    return undefined;
  }
  return value;
}

/** CDS Hooks 2.0 §Extensions: `extension`, where present, is a (non-empty) JSON object. */
export function checkExtension(c: Checker, obj: JsonObject, path: Path): void {
  readObject(c, obj, 'extension', path, { required: false });
}

/**
 * CDS Hooks 2.0 §Coding: `system` and `code` required; `display` required where the caller says
 * so (`overrideReasons`), optional elsewhere (`source.topic`).
 */
export function checkCoding(
  c: Checker,
  value: unknown,
  path: Path,
  opts: { displayRequired: boolean },
): void {
  const coding = expectObject(c, value, path);
  if (!coding) return;
  readString(c, coding, 'system', path, { required: true });
  readString(c, coding, 'code', path, { required: true });
  readString(c, coding, 'display', path, { required: opts.displayRequired });
}

/** Absolute `http(s)` URL; `https` only unless `allowHttp`. Returns false after reporting. */
export function checkHttpUrl(
  c: Checker,
  value: string,
  path: Path,
  opts: { allowHttp: boolean },
): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    c.error(path, `must be an absolute URL (got ${show(value)})`);
    return false;
  }
  if (url.protocol === 'https:') return true;
  if (url.protocol === 'http:' && opts.allowHttp) return true;
  c.error(path, opts.allowHttp ? 'must be an http or https URL' : 'must be an https URL');
  return false;
}

/** LIB logical-model invariant `ord-1`: a relative reference `ResourceType/id`. */
const RELATIVE_REFERENCE = /^[\d\w]+\/[\d\w\-.]+$/;

export function isRelativeReference(value: string): boolean {
  return RELATIVE_REFERENCE.test(value);
}

export function referenceType(value: string): string {
  return value.slice(0, value.indexOf('/'));
}

/** A FHIR resource: an object whose `resourceType` is a non-empty string. */
export function isFhirResourceLike(value: unknown): value is JsonObject & { resourceType: string } {
  return (
    isJsonObject(value) && typeof value['resourceType'] === 'string' && value['resourceType'] !== ''
  );
}

/** Reports anything that is not a FHIR resource; returns the resource when it is one. */
export function expectResource(
  c: Checker,
  value: unknown,
  path: Path,
): (JsonObject & { resourceType: string }) | undefined {
  if (value === null || value === undefined) {
    c.error(path, Messages.requiredNull);
    return undefined;
  }
  if (!isFhirResourceLike(value)) {
    c.error(path, 'must be a FHIR resource (an object with a resourceType)');
    return undefined;
  }
  return value;
}

/** Lists `a, b or c` for messages. */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}
