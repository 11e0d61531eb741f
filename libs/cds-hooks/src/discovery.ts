import {
  Checker,
  checkExtension,
  expectObject,
  isJsonObject,
  readArray,
  readObject,
  readString,
  show,
} from './internal/checker.js';
import type { Path } from './internal/checker.js';
import type { ValidationResult } from './issues.js';
import { lintPrefetchTemplate } from './prefetch-template.js';
import type { CdsDiscoveryDocument, CdsServiceDefinition } from './types.js';

/**
 * Validates a discovery document (`GET {baseUrl}/cds-services`, CDS Hooks 2.0 §Discovery):
 * `services` (may be empty), each with `hook`, `description` and `id`; `title` is RECOMMENDED
 * (warning); `(id, hook)` pairs are unique (the same `id` may serve several hooks); every
 * prefetch template is linted (errors for PF-1/PF-2/PF-4 violations, warnings outside the
 * PF-9 query subset).
 *
 * See: cds-hooks.md §2 (DISC-2, DISC-3, DISC-4), §5.
 */
export function validateDiscoveryDocument(body: unknown): ValidationResult<CdsDiscoveryDocument> {
  const c = new Checker();
  if (!isJsonObject(body)) {
    c.error([], 'must be a JSON object');
    return c.result(body as CdsDiscoveryDocument);
  }
  const services = readArray(c, body, 'services', [], { required: true, allowEmpty: true });
  const seen = new Map<string, number>();
  services?.forEach((service, index) => {
    const path: Path = ['services', index];
    checkServiceDefinition(c, service, path);
    if (!isJsonObject(service)) return;
    const { id, hook } = service;
    if (typeof id !== 'string' || typeof hook !== 'string') return;
    // DISC-3 [decision]: (id, hook) is the key; the same id may serve several hooks.
    const key = JSON.stringify([id, hook]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      c.error(path, `duplicates the id ${show(id)} and hook ${show(hook)} of services[${first}]`);
  });
  checkExtension(c, body, []);
  return c.result(body as unknown as CdsDiscoveryDocument);
}

/** Validates one service definition (paths relative to it). */
export function validateServiceDefinition(
  service: unknown,
): ValidationResult<CdsServiceDefinition> {
  const c = new Checker();
  checkServiceDefinition(c, service, []);
  return c.result(service as CdsServiceDefinition);
}

function checkServiceDefinition(c: Checker, value: unknown, path: Path): void {
  const service = expectObject(c, value, path);
  if (service === undefined) return;
  const hook = readString(c, service, 'hook', path, { required: true });
  if (readString(c, service, 'title', path, { required: false }) === undefined) {
    if (service['title'] === undefined) c.warn([...path, 'title'], 'is recommended');
  }
  readString(c, service, 'description', path, { required: true });
  readString(c, service, 'id', path, { required: true });
  const prefetch = readObject(c, service, 'prefetch', path, { required: false });
  if (prefetch !== undefined) {
    for (const [key, template] of Object.entries(prefetch)) {
      const at: Path = [...path, 'prefetch', key];
      if (typeof template !== 'string' || template.trim() === '') {
        c.error(at, 'must be a non-empty string');
        continue;
      }
      const lint = lintPrefetchTemplate(template, hook === undefined ? {} : { hook });
      for (const message of lint.errors) c.error(at, message);
      for (const message of lint.warnings) c.warn(at, message);
    }
  }
  readString(c, service, 'usageRequirements', path, { required: false });
  checkExtension(c, service, path);
}
