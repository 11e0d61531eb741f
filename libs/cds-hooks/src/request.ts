import type {
  CdsHookContextMap,
  CdsHookDefinition,
  CdsHookFieldDefinition,
  CdsHookId,
} from './hooks.js';
import { getHookDefinition } from './hooks.js';
import {
  Checker,
  checkExtension,
  checkHttpUrl,
  expectObject,
  expectResource,
  isFhirResourceLike,
  isJsonObject,
  isRelativeReference,
  listWords,
  readArray,
  readNonNegativeInteger,
  readObject,
  readString,
  referenceType,
  show,
} from './internal/checker.js';
import type { JsonObject, Path } from './internal/checker.js';
import type { ValidationResult } from './issues.js';
import type { CdsServiceRequest } from './types.js';

export interface ValidateCdsServiceRequestOptions {
  /**
   * The hook the called service was discovered with. A request whose `hook` differs is refused
   * (cds-hooks.md REQ-5, a Bedside decision: the spec is silent).
   */
  hook?: string;
  /**
   * Accept an `http:` `fhirServer`. CDS Hooks 2.0 §Calling a CDS Service: the scheme MUST be
   * https for production data, so only development profiles should set this.
   */
  allowHttpFhirServer?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Validates the body of `POST {baseUrl}/cds-services/{id}`: the envelope (CDS Hooks 2.0 §Calling
 * a CDS Service > HTTP Request) and, for the hooks in {@link CDS_HOOKS}, the context (Hook
 * Library 1.0.1). Unknown hooks get a generic check (context is a non-empty object). Unknown
 * properties are ignored. Every issue is meant for a `400` answer.
 *
 * See: cds-hooks.md §3 (REQ-2, REQ-3, REQ-5), §4 (CTX-1..4), §5 (prefetch values), §6.
 */
export function validateCdsServiceRequest<H extends CdsHookId>(
  body: unknown,
  options: ValidateCdsServiceRequestOptions & { hook: H },
): ValidationResult<CdsServiceRequest<CdsHookContextMap[H]>>;
export function validateCdsServiceRequest(
  body: unknown,
  options?: ValidateCdsServiceRequestOptions,
): ValidationResult<CdsServiceRequest>;
export function validateCdsServiceRequest(
  body: unknown,
  options: ValidateCdsServiceRequestOptions = {},
): ValidationResult<CdsServiceRequest> {
  const c = new Checker();
  if (!isJsonObject(body)) {
    c.error([], 'must be a JSON object');
    return c.result(body as CdsServiceRequest);
  }

  const hook = readString(c, body, 'hook', [], { required: true });
  if (hook !== undefined && options.hook !== undefined && hook !== options.hook) {
    c.error(['hook'], `must be "${options.hook}" for this service (got ${show(hook)})`);
  }

  // REQ-3 [decision]: any non-empty string is accepted; a non-UUID only earns a warning.
  const hookInstance = readString(c, body, 'hookInstance', [], { required: true });
  if (hookInstance !== undefined && !UUID.test(hookInstance)) {
    c.warn(['hookInstance'], 'should be a UUID');
  }

  const fhirServer = readString(c, body, 'fhirServer', [], { required: false });
  if (fhirServer !== undefined) {
    checkHttpUrl(c, fhirServer, ['fhirServer'], {
      allowHttp: options.allowHttpFhirServer === true,
    });
  }

  const authorization = readObject(c, body, 'fhirAuthorization', [], { required: false });
  if (authorization !== undefined) {
    checkFhirAuthorization(c, authorization);
    // S30 invariant cds-r-1: fhirAuthorization requires fhirServer.
    if (body['fhirServer'] === undefined) {
      c.error(['fhirServer'], 'is required when fhirAuthorization is present');
    }
  }

  const context = readObject(c, body, 'context', [], { required: true });
  if (context !== undefined && hook !== undefined) {
    const definition = getHookDefinition(hook);
    if (definition !== undefined) checkHookContext(c, definition, context, ['context']);
  }
  if (hook !== undefined) warnIfDeprecated(c, hook);

  const prefetch = readObject(c, body, 'prefetch', [], { required: false });
  if (prefetch !== undefined) {
    for (const [key, value] of Object.entries(prefetch)) {
      // CDS Hooks 2.0 §Prefetch Template: a value is a resource (Bundle, OperationOutcome) or null.
      if (value !== null && !isFhirResourceLike(value)) {
        c.error(
          ['prefetch', key],
          'must be a FHIR resource (an object with a resourceType) or null',
        );
      }
    }
  }

  checkExtension(c, body, []);
  return c.result(body as unknown as CdsServiceRequest);
}

function warnIfDeprecated(c: Checker, hook: string): void {
  const replacements = getHookDefinition(hook)?.deprecatedInFavourOf;
  if (replacements !== undefined) {
    c.warn(['hook'], `is deprecated by the Hook Library; use ${listWords(replacements)}`);
  }
}

/** CDS Hooks 2.0 §FHIR Resource Access: the five required fields plus the conditional `patient`. */
function checkFhirAuthorization(c: Checker, auth: JsonObject): void {
  const path: Path = ['fhirAuthorization'];
  readString(c, auth, 'access_token', path, { required: true });
  const tokenType = readString(c, auth, 'token_type', path, { required: true });
  // RFC 6749 §5.1: token_type values are case-insensitive.
  if (tokenType !== undefined && tokenType.toLowerCase() !== 'bearer') {
    c.error([...path, 'token_type'], `must be "Bearer" (got ${show(tokenType)})`);
  }
  readNonNegativeInteger(c, auth, 'expires_in', path, { required: true });
  const scope = readString(c, auth, 'scope', path, { required: true });
  readString(c, auth, 'subject', path, { required: true });
  const patient = readString(c, auth, 'patient', path, { required: false });
  // S30 invariant cds-r-2 (warning): patient/ scopes SHOULD come with `patient`.
  if (patient === undefined && auth['patient'] === undefined && scope !== undefined) {
    if (/(^|\s)patient\//.test(scope)) {
      c.warn([...path, 'patient'], 'should be present when scope contains patient/ scopes');
    }
  }
}

/** Hook Library 1.0.1 §Context of each hook, per field kind (cds-hooks.md CTX-1..4, GEN-4). */
function checkHookContext(
  c: Checker,
  definition: CdsHookDefinition,
  context: JsonObject,
  path: Path,
): void {
  for (const [field, spec] of Object.entries(definition.context)) {
    checkContextField(c, definition, spec, context, field, path);
  }
}

function checkContextField(
  c: Checker,
  definition: CdsHookDefinition,
  spec: CdsHookFieldDefinition,
  context: JsonObject,
  field: string,
  path: Path,
): void {
  const at: Path = [...path, field];
  switch (spec.kind) {
    case 'user-reference': {
      const value = readString(c, context, field, path, { required: spec.required });
      if (value === undefined) return;
      if (!isRelativeReference(value)) {
        c.error(at, `must be a relative reference "ResourceType/id" (got ${show(value)})`);
        return;
      }
      const types = spec.referenceTypes ?? [];
      // CTX-2 [decision]: user types outside the hook's list are refused.
      if (!types.includes(referenceType(value))) {
        c.error(
          at,
          `must reference a ${listWords(types)} for ${definition.hook} (got ${show(value)})`,
        );
      }
      return;
    }
    case 'id': {
      const value = readString(c, context, field, path, { required: spec.required });
      // GEN-4: ids are only required to be non-empty, but a `Type/id` here is the classic bug.
      if (value !== undefined && value.includes('/')) {
        c.error(at, `must be a FHIR id, not a reference (got ${show(value)})`);
      }
      return;
    }
    case 'reference': {
      const value = readString(c, context, field, path, { required: spec.required });
      if (value !== undefined && !isRelativeReference(value)) {
        c.error(at, `must be a relative reference "ResourceType/id" (got ${show(value)})`);
      }
      return;
    }
    case 'reference-list': {
      const values = readArray(c, context, field, path, { required: spec.required });
      if (values === undefined) return;
      const targets =
        spec.pointsInto === undefined ? undefined : bundleMembers(context[spec.pointsInto]);
      values.forEach((value, index) => {
        if (typeof value !== 'string' || !isRelativeReference(value)) {
          c.error(
            [...at, index],
            `must be a relative reference "ResourceType/id" (got ${show(value)})`,
          );
        } else if (targets !== undefined && !targets.has(value)) {
          // CTX-3: every selection points into draftOrders.
          c.error(
            [...at, index],
            `does not match any resource in context.${spec.pointsInto ?? ''} (got ${show(value)})`,
          );
        }
      });
      return;
    }
    case 'bundle': {
      const value = readObject(c, context, field, path, { required: spec.required });
      if (value !== undefined) checkContextBundle(c, value, at, spec.resourceType);
      return;
    }
    case 'resource-list': {
      const values = readArray(c, context, field, path, { required: spec.required });
      values?.forEach((value, index) => {
        const resource = expectResource(c, value, [...at, index]);
        if (resource !== undefined)
          checkResourceType(c, resource, [...at, index], spec.resourceType);
      });
      return;
    }
  }
}

/** CTX-4: a Bundle whose `type` may be missing, with at least one entry holding a resource. */
function checkContextBundle(
  c: Checker,
  bundle: JsonObject,
  path: Path,
  entryType: string | undefined,
): void {
  const resourceType = readString(c, bundle, 'resourceType', path, { required: true });
  if (resourceType !== undefined && resourceType !== 'Bundle') {
    c.error([...path, 'resourceType'], `must be "Bundle" (got ${show(resourceType)})`);
    return;
  }
  readString(c, bundle, 'type', path, { required: false });
  const entries = readArray(c, bundle, 'entry', path, { required: true });
  entries?.forEach((entry, index) => {
    const entryObject = expectObject(c, entry, [...path, 'entry', index]);
    if (entryObject === undefined) return;
    const resourcePath: Path = [...path, 'entry', index, 'resource'];
    if (entryObject['resource'] === undefined) {
      c.error(resourcePath, 'is required');
      return;
    }
    const resource = expectResource(c, entryObject['resource'], resourcePath);
    if (resource !== undefined) checkResourceType(c, resource, resourcePath, entryType);
  });
}

function checkResourceType(
  c: Checker,
  resource: { resourceType: string },
  path: Path,
  expected: string | undefined,
): void {
  if (expected !== undefined && resource.resourceType !== expected) {
    c.error(
      [...path, 'resourceType'],
      `must be "${expected}" (got ${show(resource.resourceType)})`,
    );
  }
}

/** `Type/id` of every resource in a Bundle (undefined when the value is not a usable Bundle). */
function bundleMembers(value: unknown): Set<string> | undefined {
  if (!isJsonObject(value) || !Array.isArray(value['entry'])) return undefined;
  const members = new Set<string>();
  for (const entry of value['entry']) {
    if (!isJsonObject(entry)) continue;
    const resource = entry['resource'];
    if (isFhirResourceLike(resource) && typeof resource['id'] === 'string') {
      members.add(`${resource.resourceType}/${resource['id']}`);
    }
  }
  return members;
}
