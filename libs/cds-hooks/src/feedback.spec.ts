import { describe, expect, it } from 'vitest';

import { acceptedFeedback, overriddenFeedback } from './testing/vectors.js';
import { checkUtcTimestamp, validateFeedback } from './feedback.js';

type Json = Record<string, unknown>;
type Issue = { path: string; message: string };

const CARD = '9368d37b-283f-44a0-93ea-547cebab93ed';

function issues(body: unknown): Issue[] {
  const result = validateFeedback(body);
  return result.ok ? [] : result.issues;
}

function one(item: Json): Json {
  return { feedback: [{ card: CARD, outcomeTimestamp: '2024-03-01T15:04:05Z', ...item }] };
}

describe('CDS Hooks 2.0 §Feedback — checklist vectors §17.6 (FB-2)', () => {
  it.each([
    ['accepted', acceptedFeedback],
    ['overridden (two cards, one with a reason)', overriddenFeedback],
  ])('%s is valid, without warnings', (_name, body) => {
    expect(validateFeedback(structuredClone(body))).toEqual({
      ok: true,
      value: body,
      warnings: [],
    });
  });

  it('accepted without acceptedSuggestions ⇒ 400 (cds-fb-2)', () => {
    const body = {
      feedback: [{ card: CARD, outcome: 'accepted', outcomeTimestamp: '2024-03-01T15:04:05Z' }],
    };
    expect(issues(body)).toEqual([
      {
        path: 'feedback[0].acceptedSuggestions',
        message: 'is required when outcome is "accepted"',
      },
    ]);
  });

  it('outcome "dismissed" ⇒ 400 (cds-fb-1)', () => {
    const body = structuredClone(overriddenFeedback);
    (body.feedback[1] as Json)['outcome'] = 'dismissed';
    expect(issues(body)).toEqual([
      {
        path: 'feedback[1].outcome',
        message: 'must be one of "accepted", "overridden" (got "dismissed")',
      },
    ]);
  });

  it('overrideReason {} ⇒ 400 (cds-fb-3 + GEN-2)', () => {
    const body = structuredClone(overriddenFeedback);
    (body.feedback[0] as Json)['overrideReason'] = {};
    expect(issues(body)).toEqual([
      { path: 'feedback[0].overrideReason', message: 'must have reason or userComment' },
    ]);
  });
});

describe('CDS Hooks 2.0 §Feedback — other fields (FB-2, FB-5)', () => {
  it.each<[string, unknown, Issue[]]>([
    ['no feedback', {}, [{ path: 'feedback', message: 'is required' }]],
    ['feedback []', { feedback: [] }, [{ path: 'feedback', message: 'must not be empty' }]],
    ['not an object', 'x', [{ path: '', message: 'must be a JSON object' }]],
    [
      'an item without card',
      { feedback: [{ outcome: 'overridden', outcomeTimestamp: '2024-03-01T15:04:05Z' }] },
      [{ path: 'feedback[0].card', message: 'is required' }],
    ],
    [
      'acceptedSuggestions []',
      one({ outcome: 'accepted', acceptedSuggestions: [] }),
      [
        {
          path: 'feedback[0].acceptedSuggestions',
          message: 'must not be empty when outcome is "accepted"',
        },
      ],
    ],
    [
      'an accepted suggestion without id',
      one({ outcome: 'accepted', acceptedSuggestions: [{ uuid: 'x' }] }),
      [{ path: 'feedback[0].acceptedSuggestions[0].id', message: 'is required' }],
    ],
    [
      'an override reason Coding without code',
      one({ outcome: 'overridden', overrideReason: { reason: { system: 'https://x' } } }),
      [{ path: 'feedback[0].overrideReason.reason.code', message: 'is required' }],
    ],
    [
      'an empty userComment',
      one({ outcome: 'overridden', overrideReason: { userComment: '' } }),
      [
        {
          path: 'feedback[0].overrideReason.userComment',
          message: 'must not be empty; omit the attribute instead',
        },
      ],
    ],
    [
      'no outcomeTimestamp',
      { feedback: [{ card: CARD, outcome: 'overridden' }] },
      [{ path: 'feedback[0].outcomeTimestamp', message: 'is required' }],
    ],
    [
      'a local-time outcomeTimestamp',
      one({ outcome: 'overridden', outcomeTimestamp: '2024-03-01T16:04:05+01:00' }),
      [
        {
          path: 'feedback[0].outcomeTimestamp',
          message: 'must be in UTC (end with "Z"), got "2024-03-01T16:04:05+01:00"',
        },
      ],
    ],
  ])('refuses %s', (_name, body, expected) => {
    expect(issues(body)).toEqual(expected);
  });

  it('accepts an override reason with only system and code (the CDS Hooks sandbox sends that)', () => {
    const body = one({
      outcome: 'overridden',
      overrideReason: { reason: { system: 'https://x', code: 'declined' } },
    });
    expect(validateFeedback(body)).toMatchObject({ ok: true, warnings: [] });
  });

  it('warns about acceptedSuggestions on an overridden card', () => {
    const body = one({ outcome: 'overridden', acceptedSuggestions: [{ id: 'x' }] });
    expect(validateFeedback(body)).toMatchObject({
      ok: true,
      warnings: [
        {
          path: 'feedback[0].acceptedSuggestions',
          message: 'is ignored when outcome is "overridden"',
        },
      ],
    });
  });
});

describe('RFC 3339 §5.6 — outcomeTimestamp in UTC', () => {
  it.each([
    '1985-04-12T23:20:50.52Z',
    '2024-03-01T15:04:05Z',
    '2024-03-01t15:04:05z',
    '2024-03-01T15:04:05+00:00',
    '2024-02-29T00:00:00Z',
    '2016-12-31T23:59:60Z',
  ])('accepts %s', (value) => {
    expect(checkUtcTimestamp(value)).toBeUndefined();
  });

  it.each([
    '2024-03-01',
    '2024-03-01 15:04:05Z',
    '2024-03-01T15:04Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-03-01T24:00:00Z',
    '1711292645',
  ])('refuses %s', (value) => {
    expect(checkUtcTimestamp(value)).toBe(
      `must be an RFC 3339 date-time in UTC, e.g. "2024-03-01T15:04:05Z" (got ${JSON.stringify(value)})`,
    );
  });
});
