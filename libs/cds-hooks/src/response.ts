import {
  Checker,
  checkCoding,
  checkExtension,
  checkHttpUrl,
  expectObject,
  expectResource,
  isJsonObject,
  isRelativeReference,
  readArray,
  readBoolean,
  readEnum,
  readObject,
  readString,
  show,
} from './internal/checker.js';
import type { JsonObject, Path } from './internal/checker.js';
import type { ValidationResult } from './issues.js';
import { ActionType, CardIndicator, LinkType, SelectionBehavior } from './types.js';
import type { CdsCard, CdsResponse, CdsSuggestion } from './types.js';

export interface ValidateCdsResponseOptions {
  /**
   * Accept `http:` URLs in `source.url`, `source.icon` and `links[].url` (development only: a
   * local service links to `http://localhost`). Default: https only (cds-hooks.md SRC-1).
   */
  allowHttpUrls?: boolean;
}

/** CDS Hooks 2.0 §Card Attributes: `summary` SHALL be fewer than 140 characters. */
export const MAX_SUMMARY_LENGTH = 139;

const INDICATORS = Object.values(CardIndicator);
const SELECTION_BEHAVIORS = Object.values(SelectionBehavior);
const ACTION_TYPES = Object.values(ActionType);
const LINK_TYPES = Object.values(LinkType);

interface UrlPolicy {
  allowHttp: boolean;
}

/**
 * Validates a CDS Service response (`200` body): `cards` (may be empty) and `systemActions`, with
 * every card rule of CDS Hooks 2.0 §CDS Service Response, including those the spec's own examples
 * break (summary < 140 characters, `selectionBehavior` with suggestions, `display` on override
 * reasons, `resourceId` on deletes, no `appContext` on absolute links).
 *
 * See: cds-hooks.md §7 (RESP-1, CARD-1..6, SRC-1, ACT-1, LINK-1, SYS-1, SYS-2), GEN-2, GEN-3.
 */
export function validateCdsResponse(
  body: unknown,
  options: ValidateCdsResponseOptions = {},
): ValidationResult<CdsResponse> {
  const c = new Checker();
  const urls: UrlPolicy = { allowHttp: options.allowHttpUrls === true };
  if (!isJsonObject(body)) {
    c.error([], 'must be a JSON object');
    return c.result(body as CdsResponse);
  }
  const cards = readArray(c, body, 'cards', [], { required: true, allowEmpty: true });
  cards?.forEach((card, index) => checkCard(c, card, ['cards', index], urls));
  if (cards !== undefined) reportDuplicateUuids(c, cards, ['cards']);

  const systemActions = readArray(c, body, 'systemActions', [], { required: false });
  systemActions?.forEach((action, index) =>
    checkAction(c, action, ['systemActions', index], 'system'),
  );

  checkExtension(c, body, []);
  // SYS-2: the sandbox and its reference services still use the pre-2.0 location.
  const extension = body['extension'];
  if (isJsonObject(extension) && extension['systemActions'] !== undefined) {
    c.warn(
      ['extension', 'systemActions'],
      'is the pre-2.0 location of system actions; CDS Hooks 2.0 reads systemActions at the top level',
    );
  }
  return c.result(body as unknown as CdsResponse);
}

/**
 * Validates one card, e.g. so that a CDS Client can drop a bad card and keep the others
 * (cds-hooks.md CARD-4, ERR-2). Paths are relative to the card.
 */
export function validateCard(
  card: unknown,
  options: ValidateCdsResponseOptions = {},
): ValidationResult<CdsCard> {
  const c = new Checker();
  checkCard(c, card, [], { allowHttp: options.allowHttpUrls === true });
  return c.result(card as CdsCard);
}

/** Validates one suggestion (paths relative to it). */
export function validateSuggestion(suggestion: unknown): ValidationResult<CdsSuggestion> {
  const c = new Checker();
  checkSuggestion(c, suggestion, []);
  return c.result(suggestion as CdsSuggestion);
}

/** Counts characters as Unicode code points, as Inferno does (Ruby `String#length`). */
export function summaryLength(summary: string): number {
  return [...summary].length;
}

export function checkCard(c: Checker, value: unknown, path: Path, urls: UrlPolicy): void {
  const card = expectObject(c, value, path);
  if (card === undefined) return;
  readString(c, card, 'uuid', path, { required: false });

  const summary = readString(c, card, 'summary', path, { required: true });
  // CARD-1: "<140 characters".
  if (summary !== undefined && summaryLength(summary) > MAX_SUMMARY_LENGTH) {
    c.error(
      [...path, 'summary'],
      `must be shorter than 140 characters (got ${summaryLength(summary)})`,
    );
  }
  readString(c, card, 'detail', path, { required: false });
  // CARD-2.
  readEnum(c, card, 'indicator', path, INDICATORS, { required: true });

  const source = readObject(c, card, 'source', path, { required: true });
  if (source !== undefined) checkSource(c, source, [...path, 'source'], urls);

  const suggestions = readArray(c, card, 'suggestions', path, { required: false });
  suggestions?.forEach((suggestion, index) =>
    checkSuggestion(c, suggestion, [...path, 'suggestions', index]),
  );
  if (suggestions !== undefined) reportDuplicateUuids(c, suggestions, [...path, 'suggestions']);

  // CARD-3 (S30 cds-resp-6): suggestions ⇒ selectionBehavior. CARD-4: unknown values are errors.
  let behavior: SelectionBehavior | undefined;
  if (card['selectionBehavior'] === undefined && card['suggestions'] !== undefined) {
    c.error([...path, 'selectionBehavior'], 'is required when suggestions are present');
  } else {
    behavior = readEnum(c, card, 'selectionBehavior', path, SELECTION_BEHAVIORS, {
      required: false,
    });
  }
  if (card['suggestions'] === undefined && card['selectionBehavior'] !== undefined) {
    c.warn([...path, 'selectionBehavior'], 'has no effect without suggestions');
  }
  // S30 cds-resp-1: at most one recommended suggestion with "at-most-one".
  if (behavior === 'at-most-one' && suggestions !== undefined) {
    const recommended = suggestions.filter((s) => isJsonObject(s) && s['isRecommended'] === true);
    if (recommended.length > 1) {
      c.error(
        [...path, 'suggestions'],
        'may have at most one suggestion with isRecommended true when selectionBehavior is "at-most-one"',
      );
    }
  }

  // S30 cds-resp-4: override reasons are Codings with display.
  const reasons = readArray(c, card, 'overrideReasons', path, { required: false });
  reasons?.forEach((reason, index) =>
    checkCoding(c, reason, [...path, 'overrideReasons', index], { displayRequired: true }),
  );

  const links = readArray(c, card, 'links', path, { required: false });
  links?.forEach((link, index) => checkLink(c, link, [...path, 'links', index], urls));

  checkExtension(c, card, path);
}

function checkSource(c: Checker, source: JsonObject, path: Path, urls: UrlPolicy): void {
  readString(c, source, 'label', path, { required: true });
  const url = readString(c, source, 'url', path, { required: false });
  if (url !== undefined) checkHttpUrl(c, url, [...path, 'url'], urls);
  const icon = readString(c, source, 'icon', path, { required: false });
  if (icon !== undefined) checkHttpUrl(c, icon, [...path, 'icon'], urls);
  if (readObject(c, source, 'topic', path, { required: false }) !== undefined) {
    checkCoding(c, source['topic'], [...path, 'topic'], { displayRequired: false });
  }
  checkExtension(c, source, path);
}

export function checkSuggestion(c: Checker, value: unknown, path: Path): void {
  const suggestion = expectObject(c, value, path);
  if (suggestion === undefined) return;
  readString(c, suggestion, 'label', path, { required: true });
  readString(c, suggestion, 'uuid', path, { required: false });
  readBoolean(c, suggestion, 'isRecommended', path, { required: false });
  const actions = readArray(c, suggestion, 'actions', path, { required: false });
  actions?.forEach((action, index) =>
    checkAction(c, action, [...path, 'actions', index], 'suggestion'),
  );
  checkExtension(c, suggestion, path);
}

/**
 * CDS Hooks 2.0 §Action (cds-hooks.md ACT-1, SYS-1): `create` needs a resource, `update` a whole
 * resource with `id`, `delete` a `resourceId`. `description` is required, except that a system
 * action without one is accepted with a warning.
 */
export function checkAction(
  c: Checker,
  value: unknown,
  path: Path,
  kind: 'suggestion' | 'system',
): void {
  const action = expectObject(c, value, path);
  if (action === undefined) return;
  const type = readEnum(c, action, 'type', path, ACTION_TYPES, { required: true });
  if (kind === 'suggestion') {
    readString(c, action, 'description', path, { required: true });
  } else if (readString(c, action, 'description', path, { required: false }) === undefined) {
    if (action['description'] === undefined) {
      c.warn([...path, 'description'], 'should be present');
    }
  }

  switch (type) {
    case undefined:
      break;
    case 'create':
    case 'update': {
      if (action['resource'] === undefined) {
        c.error([...path, 'resource'], `is required for ${article(type)} ${type} action`);
        break;
      }
      const resource = expectResource(c, action['resource'], [...path, 'resource']);
      if (type === 'update' && resource !== undefined) {
        if (typeof resource['id'] !== 'string' || resource['id'] === '') {
          c.error([...path, 'resource', 'id'], 'is required for an update action');
        }
      }
      break;
    }
    case 'delete':
      checkDelete(c, action, path);
      break;
  }
  checkExtension(c, action, path);
}

function checkDelete(c: Checker, action: JsonObject, path: Path): void {
  const resourceId = readString(c, action, 'resourceId', path, { required: false });
  if (resourceId !== undefined && !isRelativeReference(resourceId)) {
    c.error(
      [...path, 'resourceId'],
      `must be a relative reference "ResourceType/id" (got ${show(resourceId)})`,
    );
  }
  const resource = action['resource'];
  if (resource !== undefined) {
    const legacyId = typeof resource === 'string' && resource.trim() !== '';
    if (legacyId && action['resourceId'] === undefined) {
      // Compatibility [decision]: 1.0 put the id string in `resource`; deprecated in 2.0.
      c.warn(
        [...path, 'resource'],
        'an id string in resource is deprecated for delete actions; use resourceId',
      );
    } else {
      c.error([...path, 'resource'], 'must not be present on a delete action; use resourceId');
    }
  } else if (action['resourceId'] === undefined) {
    c.error([...path, 'resourceId'], 'is required for a delete action');
  }
}

function checkLink(c: Checker, value: unknown, path: Path, urls: UrlPolicy): void {
  const link = expectObject(c, value, path);
  if (link === undefined) return;
  readString(c, link, 'label', path, { required: true });
  const url = readString(c, link, 'url', path, { required: true });
  if (url !== undefined) checkHttpUrl(c, url, [...path, 'url'], urls);
  const type = readEnum(c, link, 'type', path, LINK_TYPES, { required: true });
  const appContext = readString(c, link, 'appContext', path, { required: false });
  // S30 cds-resp-3: appContext only on smart links.
  if (appContext !== undefined && type === 'absolute') {
    c.error([...path, 'appContext'], 'is only allowed on smart links');
  }
  readBoolean(c, link, 'autolaunchable', path, { required: false });
  checkExtension(c, link, path);
}

/** Card and suggestion `uuid`s identify them in feedback, so they must be unique in their list. */
function reportDuplicateUuids(c: Checker, items: readonly unknown[], path: Path): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    if (!isJsonObject(item) || typeof item['uuid'] !== 'string' || item['uuid'] === '') return;
    const first = seen.get(item['uuid']);
    if (first === undefined) seen.set(item['uuid'], index);
    else c.error([...path, index, 'uuid'], `duplicates the uuid of ${pathTail(path)}[${first}]`);
  });
}

function pathTail(path: Path): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? last : '';
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
