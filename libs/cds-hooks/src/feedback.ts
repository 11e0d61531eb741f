import {
  Checker,
  checkCoding,
  checkExtension,
  expectObject,
  isJsonObject,
  readArray,
  readEnum,
  readObject,
  readString,
  show,
} from './internal/checker.js';
import type { JsonObject, Path } from './internal/checker.js';
import type { ValidationResult } from './issues.js';
import { FeedbackOutcome } from './types.js';
import type { CdsFeedbackRequest } from './types.js';

const OUTCOMES = Object.values(FeedbackOutcome);

/**
 * Validates a feedback body (`POST {baseUrl}/cds-services/{id}/feedback`, CDS Hooks 2.0
 * §Feedback, with the S30 invariants): `outcome` is `accepted` or `overridden` (cds-fb-1);
 * `accepted` needs a non-empty `acceptedSuggestions` (cds-fb-2); `overrideReason` has `reason`
 * or `userComment` (cds-fb-3); `outcomeTimestamp` is an RFC 3339 date-time in UTC.
 *
 * See: cds-hooks.md §8 (FB-2), §17.6.
 */
export function validateFeedback(body: unknown): ValidationResult<CdsFeedbackRequest> {
  const c = new Checker();
  if (!isJsonObject(body)) {
    c.error([], 'must be a JSON object');
    return c.result(body as CdsFeedbackRequest);
  }
  const items = readArray(c, body, 'feedback', [], { required: true });
  items?.forEach((item, index) => checkFeedbackItem(c, item, ['feedback', index]));
  checkExtension(c, body, []);
  return c.result(body as unknown as CdsFeedbackRequest);
}

function checkFeedbackItem(c: Checker, value: unknown, path: Path): void {
  const item = expectObject(c, value, path);
  if (item === undefined) return;
  readString(c, item, 'card', path, { required: true });
  const outcome = readEnum(c, item, 'outcome', path, OUTCOMES, { required: true });

  // cds-fb-2: accepted ⇒ acceptedSuggestions.
  const raw = item['acceptedSuggestions'];
  let accepted: unknown[] | undefined;
  if (outcome === 'accepted' && raw === undefined) {
    c.error([...path, 'acceptedSuggestions'], 'is required when outcome is "accepted"');
  } else if (outcome === 'accepted' && Array.isArray(raw) && raw.length === 0) {
    c.error([...path, 'acceptedSuggestions'], 'must not be empty when outcome is "accepted"');
  } else {
    accepted = readArray(c, item, 'acceptedSuggestions', path, { required: false });
  }
  accepted?.forEach((suggestion, index) => {
    const at: Path = [...path, 'acceptedSuggestions', index];
    const entry = expectObject(c, suggestion, at);
    if (entry !== undefined) readString(c, entry, 'id', at, { required: true });
  });
  if (outcome === 'overridden' && accepted !== undefined) {
    c.warn([...path, 'acceptedSuggestions'], 'is ignored when outcome is "overridden"');
  }

  const overrideReason = readObject(c, item, 'overrideReason', path, {
    required: false,
    allowEmpty: true,
  });
  if (overrideReason !== undefined)
    checkOverrideReason(c, overrideReason, [...path, 'overrideReason']);

  const timestamp = readString(c, item, 'outcomeTimestamp', path, { required: true });
  if (timestamp !== undefined) {
    const problem = checkUtcTimestamp(timestamp);
    if (problem !== undefined) c.error([...path, 'outcomeTimestamp'], problem);
  }
  checkExtension(c, item, path);
}

function checkOverrideReason(c: Checker, reason: JsonObject, path: Path): void {
  // cds-fb-3: reason or userComment (this also refuses `{}`, GEN-2).
  if (reason['reason'] === undefined && reason['userComment'] === undefined) {
    c.error(path, 'must have reason or userComment');
  }
  if (readObject(c, reason, 'reason', path, { required: false }) !== undefined) {
    // The card's overrideReasons carry display; clients such as the CDS Hooks sandbox send only
    // system and code back (cds-hooks.md FB-5), so display is not required here.
    checkCoding(c, reason['reason'], [...path, 'reason'], { displayRequired: false });
  }
  readString(c, reason, 'userComment', path, { required: false });
  checkExtension(c, reason, path);
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 3339 §5.6 `date-time`, in UTC (`Z`, `+00:00` or `-00:00`). Returns a message when invalid.
 */
export function checkUtcTimestamp(value: string): string | undefined {
  const match = RFC3339.exec(value);
  const example = 'e.g. "2024-03-01T15:04:05Z"';
  if (!match) return `must be an RFC 3339 date-time in UTC, ${example} (got ${show(value)})`;
  const [, year, month, day, hour, minute, second, , offset] = match;
  const y = Number(year);
  const m = Number(month);
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const valid =
    m >= 1 &&
    m <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 60;
  if (!valid) return `must be an RFC 3339 date-time in UTC, ${example} (got ${show(value)})`;
  if (!/^([Zz]|[+-]00:00)$/.test(offset ?? '')) {
    return `must be in UTC (end with "Z"), got ${show(value)}`;
  }
  return undefined;
}
