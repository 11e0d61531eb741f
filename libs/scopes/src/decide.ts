import {
  checkResource,
  checkSearch,
  compileFilters,
  describeFilterFailure,
  splitSearch,
} from './filters.js';
import type { CompiledFilter, FilterCheck } from './filters.js';
import { parseScopes } from './parse.js';
import {
  DEFAULT_OPERATION_PERMISSIONS,
  interactionPermission,
  lettersToMask,
  permissionLetters,
  permissionMask,
} from './permissions.js';
import { writeScope } from './serialize.js';
import type { ClinicalScope, FhirInteraction, Scope, ScopeContext } from './types.js';

/**
 * Why {@link decide} refused a request.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources; RFC 6750 §3.1 insufficient_scope.
 */
export const DenialCode = {
  /** No scope in any context names this resource type (or `*`). */
  NoScopeForType: 'no_scope_for_type',
  /** Scopes for the type exist, but only in contexts the request does not accept. */
  ContextNotGranted: 'context_not_granted',
  /** Scopes for the type exist, but none has the permission letter(s) the interaction needs. */
  InteractionNotGranted: 'interaction_not_granted',
  /** Only granular scopes grant the interaction, and the search or resource is outside them. */
  FilterNotSatisfied: 'filter_not_satisfied',
  /** Only granular scopes grant it, and their filter cannot be evaluated against a resource. */
  FilterNotEvaluable: 'filter_not_evaluable',
  /** Only granular scopes grant it; pass `resource` so the filter can be evaluated. */
  ResourceRequired: 'resource_required',
  /** `resource.resourceType` differs from `resourceType`. */
  ResourceTypeMismatch: 'resource_type_mismatch',
  /** An `operation` with no permission mapping (see DEFAULT_OPERATION_PERMISSIONS). */
  OperationNotMapped: 'operation_not_mapped',
  /** The request itself is not valid (unknown interaction). */
  InvalidRequest: 'invalid_request',
} as const;
export type DenialCode = (typeof DenialCode)[keyof typeof DenialCode];

/** A FHIR request to check against a grant. See: FHIR R4 http.html (interactions). */
export interface FhirAccessRequest {
  /** The resource type acted on; `*` for a system-level search, history or operation. */
  readonly resourceType: string;
  readonly interaction: FhirInteraction;
  /** Scope contexts that may allow this request, in order of preference; default all three. */
  readonly contexts?: readonly ScopeContext[];
  /** Search parameters as decoded pairs (e.g. `[...url.searchParams]`). */
  readonly searchParams?: ReadonlyArray<readonly [string, string]>;
  /** The resource read, created, updated or deleted; needed only for granular scopes. */
  readonly resource?: { readonly resourceType: string; readonly [key: string]: unknown };
  /** For interaction `operation`: its name, e.g. `$everything`. */
  readonly operation?: string;
}

export type AccessDecision =
  | {
      readonly allowed: true;
      /** The (first, in grant order) scope that allowed the request. */
      readonly scope: ClinicalScope;
      readonly context: ScopeContext;
    }
  | {
      readonly allowed: false;
      readonly code: DenialCode;
      /** Human-readable; says what would be needed. */
      readonly reason: string;
      /** A scope that would allow the request, when one can be named. */
      readonly needed: string | undefined;
    };

/** Options of {@link compileGrant}. */
export interface CompileGrantOptions {
  /** Extra or overriding operation mappings: name (`$my-op`) → v2 letters (`rs`). */
  readonly operations?: Readonly<Record<string, string>>;
}

const CONTEXTS: readonly ScopeContext[] = ['patient', 'user', 'system'];
type ContextIndex = 0 | 1 | 2;

function contextIndex(context: string): ContextIndex | undefined {
  switch (context) {
    case 'patient':
      return 0;
    case 'user':
      return 1;
    case 'system':
      return 2;
    default:
      return undefined;
  }
}
const NO_PARAMS: ReadonlyArray<readonly [string, string]> = [];

interface Entry {
  readonly scope: ClinicalScope;
  readonly text: string;
  readonly context: ContextIndex;
  readonly mask: number;
  readonly filters: readonly CompiledFilter[];
  readonly order: number;
  readonly allowed: AccessDecision;
}

class TypeIndex {
  /** Unfiltered permission mask per context. */
  readonly masks: [number, number, number] = [0, 0, 0];
  /** Mask per context including granular scopes. */
  readonly allMasks: [number, number, number] = [0, 0, 0];
  /** Decision per (context × letter) for unfiltered grants: index context * 5 + bit index. */
  readonly allow: (AccessDecision | undefined)[] = new Array<AccessDecision | undefined>(15);
  readonly filtered: Entry[] = [];
  readonly entries: Entry[] = [];
  /** Parameter names used by the granular scopes. */
  readonly filterNames = new Set<string>();
  /** Memo: scope texts per accepted-context bit set, for denial reasons. */
  readonly textsByAccepted: (string | undefined)[] = new Array<string | undefined>(8);

  textsFor(accepted: number): string {
    return (this.textsByAccepted[accepted] ??= this.entries
      .filter((e) => accepted & (1 << e.context))
      .map((e) => e.text)
      .join(' '));
  }

  add(entry: Entry): void {
    this.entries.push(entry);
    this.allMasks[entry.context] |= entry.mask;
    if (entry.filters.length > 0) {
      this.filtered.push(entry);
      for (const filter of entry.filters) this.filterNames.add(filter.name);
      return;
    }
    for (let bit = 0; bit < 5; bit++) {
      if (entry.mask & (1 << bit) && this.allow[entry.context * 5 + bit] === undefined) {
        this.allow[entry.context * 5 + bit] = entry.allowed;
      }
    }
    this.masks[entry.context] |= entry.mask;
  }
}

/**
 * A grant compiled for {@link decide}: an index by resource type and context. Build it once per
 * token (it is immutable) and reuse it for every request.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export class Grant {
  /** The scopes the grant was compiled from, in order. */
  readonly scopes: readonly Scope[];
  /** @internal */
  readonly byType: ReadonlyMap<string, TypeIndex>;
  /** @internal */
  readonly wildcard: TypeIndex;
  /** @internal */
  readonly operations: ReadonlyMap<string, number>;

  /** @internal Use {@link compileGrant}. */
  constructor(
    scopes: readonly Scope[],
    byType: ReadonlyMap<string, TypeIndex>,
    wildcard: TypeIndex,
    operations: ReadonlyMap<string, number>,
  ) {
    this.scopes = scopes;
    this.byType = byType;
    this.wildcard = wildcard;
    this.operations = operations;
    Object.freeze(this);
  }
}

/**
 * Compiles scopes (or a space-separated scope string, parsed strictly) into a {@link Grant}.
 * Only clinical scopes affect decisions; others are kept in `grant.scopes`.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources (SCOPE-01, SCOPE-04).
 * @throws {ScopeSyntaxError} when the string has a malformed scope, or an `operations` mapping
 *   has invalid letters (use parseScopesLenient first to skip bad scopes)
 */
export function compileGrant(
  scopes: readonly Scope[] | string,
  options: CompileGrantOptions = {},
): Grant {
  const list = typeof scopes === 'string' ? parseScopes(scopes) : [...scopes];
  const entries: Entry[] = [];
  list.forEach((scope, order) => {
    if (scope.kind !== 'clinical') return;
    const mask = permissionMask(scope.permissions);
    if (mask === 0) return;
    const context = contextIndex(scope.context);
    if (context === undefined) return;
    entries.push({
      scope,
      text: writeScope(scope),
      context,
      mask,
      filters: compileFilters(scope.filters),
      order,
      allowed: Object.freeze({ allowed: true, scope, context: scope.context }),
    });
  });
  const wildcard = new TypeIndex();
  const wildcardEntries = entries.filter((e) => e.scope.resourceType === '*');
  for (const entry of wildcardEntries) wildcard.add(entry);
  const byType = new Map<string, TypeIndex>();
  for (const type of new Set(entries.map((e) => e.scope.resourceType))) {
    if (type === '*') continue;
    const index = new TypeIndex();
    for (const entry of entries) {
      if (entry.scope.resourceType === type || entry.scope.resourceType === '*') index.add(entry);
    }
    byType.set(type, index);
  }
  const operations = new Map<string, number>();
  const table = { ...DEFAULT_OPERATION_PERMISSIONS, ...options.operations };
  for (const [name, letters] of Object.entries(table)) {
    operations.set(
      name.startsWith('$') ? name : `$${name}`,
      lettersToMask(letters, 0, letters.length),
    );
  }
  return new Grant(Object.freeze(list), byType, wildcard, operations);
}

/**
 * Decides whether a grant allows a FHIR request. Resource-level scopes decide on type, context
 * and permission letter alone; granular scopes (SCOPE-05) also need the search parameters
 * (searches) or the resource (reads and writes). It answers the scope question only: the
 * patient-compartment check of `patient/` scopes and underlying user or client policy (SCOPE-08)
 * stay with the caller.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources; checklist SCOPE-01, -05, -08.
 * @throws never (an invalid request is denied with `invalid_request`)
 */
export function decide(grant: Grant, request: FhirAccessRequest): AccessDecision {
  const interaction = request.interaction;
  let need: number | undefined;
  if (interaction === 'operation') {
    need = request.operation === undefined ? undefined : grant.operations.get(request.operation);
    if (need === undefined) return deny.operationNotMapped(request);
  } else {
    need = interactionPermission(interaction);
    if (need === undefined) return deny.invalidInteraction(request);
  }
  const resourceType = request.resourceType;
  const resource = request.resource;
  if (resource !== undefined && resource.resourceType !== resourceType) {
    return deny.resourceTypeMismatch(request);
  }
  const index =
    resourceType === '*' ? grant.wildcard : (grant.byType.get(resourceType) ?? grant.wildcard);
  const contexts = request.contexts ?? CONTEXTS;
  for (let i = 0; i < contexts.length; i++) {
    const context = contextIndex(contexts[i] as string);
    if (context === undefined) continue;
    if ((index.masks[context] & need) === need) {
      // The scope that grants the lowest needed letter.
      return index.allow[context * 5 + (31 - Math.clz32(need & -need))] as AccessDecision;
    }
  }
  return decideGranular(index, request, need, contexts);
}

const PRIORITY = {
  none: 0,
  filter_not_satisfied: 1,
  filter_not_evaluable: 2,
  resource_required: 3,
};

function decideGranular(
  index: TypeIndex,
  request: FhirAccessRequest,
  need: number,
  contexts: readonly ScopeContext[],
): AccessDecision {
  let accepted = 0;
  for (const context of contexts) {
    const i = contextIndex(context);
    if (i !== undefined) accepted |= 1 << i;
  }
  let failure: { entry: Entry; check: FilterCheck & { ok: false } } | undefined;
  let failureCode: keyof typeof PRIORITY = 'none';
  let resourceNeeded: Entry | undefined;
  for (const entry of index.filtered) {
    if (!(accepted & (1 << entry.context)) || (entry.mask & need) !== need) continue;
    const check = checkGranular(entry, request);
    if (check === undefined) {
      resourceNeeded ??= entry;
      continue;
    }
    if (check.ok) return entry.allowed;
    const code = check.evaluable ? 'filter_not_satisfied' : 'filter_not_evaluable';
    if (PRIORITY[code] > PRIORITY[failureCode]) {
      failure = { entry, check };
      failureCode = code;
    }
  }
  if (resourceNeeded !== undefined) return deny.resourceRequired(request, resourceNeeded);
  if (
    failure !== undefined &&
    (request.interaction === 'search' || request.interaction === 'search-system')
  ) {
    const union = decideSplitSearch(index, request, need, accepted);
    if (union !== undefined) return union;
  }
  if (failure !== undefined) {
    return deny.filter(request, need, contexts, failure.entry, failure.check, failureCode);
  }
  let inAccepted = false;
  let elsewhere = false;
  for (const entry of index.entries) {
    if (accepted & (1 << entry.context)) inAccepted = true;
    else elsewhere = true;
  }
  if (inAccepted) return deny.interactionNotGranted(request, need, contexts, index, accepted);
  if (elsewhere) return deny.contextNotGranted(request, need, contexts, index);
  return deny.noScope(request, need, contexts);
}

/**
 * SCOPE-04 (scopes combine by union): `category=lab,vital-signs` is allowed by
 * `…?category=lab` and `…?category=vital-signs` together. Reports the scope of the first part.
 */
function decideSplitSearch(
  index: TypeIndex,
  request: FhirAccessRequest,
  need: number,
  accepted: number,
): AccessDecision | undefined {
  const searches = splitSearch(request.searchParams ?? NO_PARAMS, index.filterNames);
  if (searches === undefined) return undefined;
  let first: AccessDecision | undefined;
  for (const search of searches) {
    const entry = index.filtered.find(
      (e) =>
        accepted & (1 << e.context) &&
        (e.mask & need) === need &&
        checkSearch(e.filters, search).ok,
    );
    if (entry === undefined) return undefined;
    first ??= entry.allowed;
  }
  return first;
}

/** undefined: the filter needs the resource and none was given. */
function checkGranular(entry: Entry, request: FhirAccessRequest): FilterCheck | undefined {
  switch (request.interaction) {
    case 'search':
    case 'search-system':
      return checkSearch(entry.filters, request.searchParams ?? NO_PARAMS);
    case 'history-type':
    case 'history-system':
      return {
        ok: false,
        evaluable: true,
        filter: entry.filters[0] as CompiledFilter,
        failure: 'history',
      };
    case 'operation':
      return {
        ok: false,
        evaluable: true,
        filter: entry.filters[0] as CompiledFilter,
        failure: 'operation',
      };
    case 'read':
    case 'vread':
    case 'history-instance':
    case 'create':
    case 'update':
    case 'patch':
    case 'delete':
      return request.resource === undefined
        ? undefined
        : checkResource(entry.filters, request.resource, request.resourceType);
  }
}

function describeRequest(request: FhirAccessRequest): string {
  return request.interaction === 'operation'
    ? `operation ${request.operation ?? '(unnamed)'} on ${request.resourceType}`
    : `${request.interaction} of ${request.resourceType}`;
}

function neededScope(request: FhirAccessRequest, need: number, contexts: readonly ScopeContext[]) {
  return `${contexts[0] ?? 'patient'}/${request.resourceType}.${permissionLetters(need)}`;
}

// Reasons are plain own properties (spreadable, JSON-able); an object literal with a lazy getter
// measured ~10x slower to create in V8.
function denial(code: DenialCode, reason: () => string, needed?: string): AccessDecision {
  return { allowed: false, code, reason: reason(), needed };
}

const deny = {
  operationNotMapped(request: FhirAccessRequest): AccessDecision {
    return denial(DenialCode.OperationNotMapped, () =>
      request.operation === undefined
        ? 'interaction operation needs an operation name'
        : `operation ${request.operation} has no permission mapping; add it to compileGrant's operations option`,
    );
  },
  invalidInteraction(request: FhirAccessRequest): AccessDecision {
    return denial(
      DenialCode.InvalidRequest,
      () => `unknown interaction '${String(request.interaction)}'`,
    );
  },
  resourceTypeMismatch(request: FhirAccessRequest): AccessDecision {
    return denial(
      DenialCode.ResourceTypeMismatch,
      () =>
        `the resource is a ${request.resource?.resourceType} but the request is for ${request.resourceType}`,
    );
  },
  resourceRequired(request: FhirAccessRequest, entry: Entry): AccessDecision {
    return denial(
      DenialCode.ResourceRequired,
      () =>
        `${entry.text} allows the ${describeRequest(request)} only for resources matching its filter; pass the resource to decide`,
    );
  },
  filter(
    request: FhirAccessRequest,
    need: number,
    contexts: readonly ScopeContext[],
    entry: Entry,
    check: FilterCheck & { ok: false },
    code: keyof typeof PRIORITY,
  ): AccessDecision {
    const needed = neededScope(request, need, contexts);
    const search = request.interaction === 'search' || request.interaction === 'search-system';
    return denial(
      code === 'filter_not_evaluable'
        ? DenialCode.FilterNotEvaluable
        : DenialCode.FilterNotSatisfied,
      () =>
        `${describeRequest(request)} is granted only by ${entry.text}: ${describeFilterFailure(check)}; ${search ? `add ${check.filter.text} to the search, or be granted ${needed}` : `needs ${needed}`}`,
      needed,
    );
  },
  interactionNotGranted(
    request: FhirAccessRequest,
    need: number,
    contexts: readonly ScopeContext[],
    index: TypeIndex,
    accepted: number,
  ): AccessDecision {
    const needed = neededScope(request, need, contexts);
    return denial(
      DenialCode.InteractionNotGranted,
      () =>
        `${describeRequest(request)} needs '${permissionLetters(need)}'; granted ${index.textsFor(accepted)} does not include it; needs ${needed}`,
      needed,
    );
  },
  contextNotGranted(
    request: FhirAccessRequest,
    need: number,
    contexts: readonly ScopeContext[],
    index: TypeIndex,
  ): AccessDecision {
    const needed = neededScope(request, need, contexts);
    return denial(
      DenialCode.ContextNotGranted,
      () =>
        `${describeRequest(request)} accepts ${contexts.join('/') || 'no'} scopes, but ${index.textsFor(7)} ${index.entries.length === 1 ? 'is' : 'are'} for another context; needs ${needed}`,
      needed,
    );
  },
  noScope(request: FhirAccessRequest, need: number, contexts: readonly ScopeContext[]) {
    const needed = neededScope(request, need, contexts);
    return denial(
      DenialCode.NoScopeForType,
      () =>
        `no granted scope covers ${request.resourceType}; ${describeRequest(request)} needs ${needed}`,
      needed,
    );
  },
};
