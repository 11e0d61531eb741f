import { validateDiscoveryDocument } from './discovery.js';
import { validateFeedback } from './feedback.js';
import { Checker } from './internal/checker.js';
import { CdsValidationError, unwrapValidation } from './issues.js';
import { checkAction, checkSuggestion, validateCard, validateCdsResponse } from './response.js';
import type {
  CdsAction,
  CdsCard,
  CdsDiscoveryDocument,
  CdsExtension,
  CdsFeedback,
  CdsLink,
  CdsOverrideReason,
  CdsResponse,
  CdsServiceDefinition,
  CdsSource,
  CdsSuggestion,
  CdsSystemAction,
  Coding,
  FhirResource,
  SelectionBehavior,
} from './types.js';

export interface BuilderOptions {
  /** Source of `uuid`s for cards and suggestions; defaults to `crypto.randomUUID`. */
  randomUUID?: () => string;
  /** Allow `http:` URLs (development only), as in `validateCdsResponse`. */
  allowHttpUrls?: boolean;
}

type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/**
 * Drops `undefined` members, and `""` and `[]` in optional members (CDS Hooks 2.0 §Use of JSON:
 * an optional attribute without a value is omitted). `required` members are kept as they are, so
 * that validation reports them precisely.
 */
function compact<T extends object>(value: T, required: readonly string[] = []): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    if (required.includes(key)) {
      out[key] = member;
      continue;
    }
    if (typeof member === 'string' && member.trim() === '') continue;
    if (Array.isArray(member) && member.length === 0) continue;
    out[key] = member;
  }
  return out as Defined<T>;
}

function uuidSource(options: BuilderOptions): () => string {
  return options.randomUUID ?? (() => globalThis.crypto.randomUUID());
}

// ---------------------------------------------------------------------------------------------
// Actions

export type ActionInput =
  | { type: 'create'; description: string; resource: FhirResource; extension?: CdsExtension }
  | { type: 'update'; description: string; resource: FhirResource; extension?: CdsExtension }
  | { type: 'delete'; description: string; resourceId: string; extension?: CdsExtension };

/**
 * Builds an Action (CDS Hooks 2.0 §Action): `create` and `update` carry a resource (an update's
 * must have `id`), `delete` a `resourceId` (`Type/id`), and every action a `description`.
 *
 * @throws {CdsValidationError} listing what is wrong.
 */
export function createAction(input: ActionInput): CdsAction {
  const action = compact(
    {
      type: input.type,
      description: input.description,
      resource: 'resource' in input ? input.resource : undefined,
      resourceId: 'resourceId' in input ? input.resourceId : undefined,
      extension: input.extension,
    },
    ['description'],
  ) as CdsAction;
  const c = new Checker();
  checkAction(c, action, [], 'suggestion');
  if (c.errors.length > 0) throw new CdsValidationError('action', c.errors);
  return action;
}

/** Builds a top-level system action; same rules as {@link createAction} (with `description`). */
export function createSystemAction(input: ActionInput): CdsSystemAction {
  return createAction(input);
}

// ---------------------------------------------------------------------------------------------
// Suggestions, links, cards

export interface SuggestionInput {
  label: string;
  /** Generated when absent, so that the client can report the suggestion as accepted. */
  uuid?: string;
  isRecommended?: boolean;
  actions?: readonly (CdsAction | ActionInput)[];
  extension?: CdsExtension;
}

/**
 * Builds a Suggestion with a `uuid` (generated unless given; CRD `resp-3` requires one).
 *
 * @throws {CdsValidationError} listing what is wrong.
 */
export function createSuggestion(
  input: SuggestionInput,
  options: BuilderOptions = {},
): CdsSuggestion {
  const suggestion = compact(
    {
      label: input.label,
      uuid: input.uuid ?? uuidSource(options)(),
      isRecommended: input.isRecommended,
      actions: input.actions?.map((action) => createAction(action as ActionInput)),
      extension: input.extension,
    },
    ['label'],
  ) as CdsSuggestion;
  const c = new Checker();
  checkSuggestion(c, suggestion, []);
  if (c.errors.length > 0) throw new CdsValidationError('suggestion', c.errors);
  return suggestion;
}

export type LinkInput =
  | { label: string; url: string; type: 'absolute'; extension?: CdsExtension }
  | {
      label: string;
      url: string;
      type: 'smart';
      /** Handed back verbatim to the launched app; objects are serialised to JSON. */
      appContext?: string | Record<string, unknown>;
      autolaunchable?: boolean;
      extension?: CdsExtension;
    };

/** Builds a Link; `appContext` only exists on `smart` links (S30 cds-resp-3). */
export function createLink(input: LinkInput): CdsLink {
  if (input.type === 'absolute') return compact({ ...input }, LINK_REQUIRED) as CdsLink;
  const appContext =
    typeof input.appContext === 'object' ? JSON.stringify(input.appContext) : input.appContext;
  return compact({ ...input, appContext }, LINK_REQUIRED) as CdsLink;
}

const LINK_REQUIRED = ['label', 'url', 'type'];

interface CardCommon {
  /** Generated when absent: feedback needs it (cds-hooks.md CARD-6). */
  uuid?: string;
  /** One sentence, fewer than 140 characters. */
  summary: string;
  /** GitHub-Flavoured Markdown without raw HTML (cds-hooks.md CARD-5). */
  detail?: string;
  indicator: CdsCard['indicator'];
  source: CdsSource;
  /** Each needs `display`. */
  overrideReasons?: readonly Coding[];
  links?: readonly (CdsLink | LinkInput)[];
  extension?: CdsExtension;
}

/** Suggestions and `selectionBehavior` come together or not at all (cds-resp-6). */
export type CardInput = CardCommon &
  (
    | { suggestions?: undefined; selectionBehavior?: undefined }
    | { suggestions: readonly SuggestionInput[]; selectionBehavior: SelectionBehavior }
  );

/**
 * Builds a card that satisfies every rule of CDS Hooks 2.0 §Card Attributes: summary under 140
 * characters, a known indicator, `source.label`, `selectionBehavior` with suggestions, `display`
 * on override reasons; `uuid`s on the card and its suggestions are generated when absent; empty
 * optional members are dropped.
 *
 * @throws {CdsValidationError} listing what is wrong (paths relative to the card).
 * See: cds-hooks.md §7 (CARD-1..6).
 */
export function createCard(input: CardInput, options: BuilderOptions = {}): CdsCard {
  const newUuid = uuidSource(options);
  const uuid = input.uuid ?? newUuid();
  const suggestions = input.suggestions?.map((s) =>
    createSuggestion(s, { ...options, randomUUID: newUuid }),
  );
  const hasSuggestions = suggestions !== undefined && suggestions.length > 0;
  const card = compact(
    {
      uuid,
      summary: input.summary,
      detail: input.detail,
      indicator: input.indicator,
      source: compact(input.source, ['label']),
      suggestions,
      selectionBehavior: hasSuggestions ? input.selectionBehavior : undefined,
      overrideReasons: input.overrideReasons === undefined ? undefined : [...input.overrideReasons],
      links: input.links?.map((link) => createLink(link as LinkInput)),
      extension: input.extension,
    },
    ['summary', 'indicator'],
  ) as CdsCard;
  return unwrapValidation(
    validateCard(card, options.allowHttpUrls === true ? { allowHttpUrls: true } : {}),
    'card',
  );
}

/**
 * Builds a response: `cards` (possibly empty) and `systemActions` only when there are some.
 *
 * @throws {CdsValidationError} e.g. for two cards with the same `uuid`.
 */
export function createCdsResponse(
  input: { cards: readonly CdsCard[]; systemActions?: readonly CdsSystemAction[] },
  options: BuilderOptions = {},
): CdsResponse {
  const response: CdsResponse = { cards: [...input.cards] };
  if (input.systemActions !== undefined && input.systemActions.length > 0) {
    response.systemActions = [...input.systemActions];
  }
  return unwrapValidation(
    validateCdsResponse(response, options.allowHttpUrls === true ? { allowHttpUrls: true } : {}),
    'CDS Service response',
  );
}

// ---------------------------------------------------------------------------------------------
// Discovery and feedback

/**
 * Builds the discovery document, linting every prefetch template (cds-hooks.md DISC-4: fail fast
 * at start-up).
 *
 * @throws {CdsValidationError} for missing fields, duplicate `(id, hook)` pairs or invalid
 * prefetch templates.
 */
export function createDiscoveryDocument(
  services: readonly CdsServiceDefinition[],
): CdsDiscoveryDocument {
  const document: CdsDiscoveryDocument = {
    services: services.map(
      (service) => compact({ ...service }, ['hook', 'id', 'description']) as CdsServiceDefinition,
    ),
  };
  return unwrapValidation(validateDiscoveryDocument(document), 'discovery document');
}

export type FeedbackInput = {
  card: string;
  /** Defaults to the current time. */
  outcomeTimestamp?: Date | string;
  extension?: CdsExtension;
} & (
  | { outcome: 'accepted'; acceptedSuggestions: readonly string[] }
  | { outcome: 'overridden'; overrideReason?: CdsOverrideReason }
);

/**
 * Builds one feedback item (CDS Hooks 2.0 §Feedback), for a CDS Client.
 *
 * @throws {CdsValidationError} e.g. `accepted` without suggestions (cds-fb-2).
 */
export function createFeedback(
  input: FeedbackInput,
  options: { now?: () => number } = {},
): CdsFeedback {
  const timestamp =
    input.outcomeTimestamp instanceof Date
      ? input.outcomeTimestamp.toISOString()
      : (input.outcomeTimestamp ?? new Date((options.now ?? Date.now)()).toISOString());
  const feedback = compact(
    {
      card: input.card,
      outcome: input.outcome,
      acceptedSuggestions:
        input.outcome === 'accepted' ? input.acceptedSuggestions.map((id) => ({ id })) : undefined,
      overrideReason: input.outcome === 'overridden' ? input.overrideReason : undefined,
      outcomeTimestamp: timestamp,
      extension: input.extension,
    },
    ['card', 'acceptedSuggestions'],
  ) as CdsFeedback;
  const result = validateFeedback({ feedback: [feedback] });
  if (!result.ok) {
    const issues = result.issues.map((i) => ({
      ...i,
      path: i.path.replace(/^feedback\[0\]\.?/, ''),
    }));
    throw new CdsValidationError('feedback', issues);
  }
  return feedback;
}
