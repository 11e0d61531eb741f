import { describe, expect, it } from 'vitest';

import { acceptedFeedback, discoveryResponse, orderSignResponse } from './testing/vectors.js';
import {
  createAction,
  createCard,
  createCdsResponse,
  createDiscoveryDocument,
  createFeedback,
  createLink,
  createSuggestion,
  createSystemAction,
} from './builders.js';
import type { CardInput } from './builders.js';
import { CdsValidationError } from './issues.js';
import type { CdsCard, CdsServiceDefinition } from './types.js';

function counter(): () => string {
  let n = 0;
  return () => `uuid-${++n}`;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const SOURCE = { label: 'Bedside Medication Safety' };

describe('CDS Hooks 2.0 §Card Attributes — createCard (CARD-1..6, GEN-2)', () => {
  it('rebuilds the §17.5 card byte for byte', () => {
    const expected = orderSignResponse.cards[0] as CdsCard;
    const card = createCard(structuredClone(expected) as CardInput);
    expect(JSON.stringify(card)).toBe(JSON.stringify(expected));
  });

  it('generates uuids for the card and each suggestion', () => {
    const card = createCard(
      {
        summary: 'Penicillin allergy',
        indicator: 'critical',
        source: SOURCE,
        suggestions: [{ label: 'Remove the order' }, { label: 'Keep it', uuid: 'mine' }],
        selectionBehavior: 'at-most-one',
      },
      { randomUUID: counter() },
    );
    expect(card.uuid).toBe('uuid-1');
    expect(card.suggestions?.map((s) => s.uuid)).toEqual(['uuid-2', 'mine']);
  });

  it('uses crypto.randomUUID by default', () => {
    const card = createCard({ summary: 'x', indicator: 'info', source: SOURCE });
    expect(card.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('drops empty optional members instead of sending "", [] or null', () => {
    const card = createCard(
      {
        summary: 'Check HbA1c',
        detail: '',
        indicator: 'info',
        source: { label: 'Bedside', url: undefined },
        links: [],
        overrideReasons: [],
        suggestions: [],
        selectionBehavior: 'any',
      },
      { randomUUID: counter() },
    );
    expect(card).toEqual({
      uuid: 'uuid-1',
      summary: 'Check HbA1c',
      indicator: 'info',
      source: { label: 'Bedside' },
    });
  });

  it.each<[string, Partial<CardInput>, { path: string; message: string }[]]>([
    [
      'a 140-character summary',
      { summary: 'a'.repeat(140) },
      [{ path: 'summary', message: 'must be shorter than 140 characters (got 140)' }],
    ],
    ['an empty summary', { summary: '' }, [{ path: 'summary', message: 'must not be empty' }]],
    [
      'indicator "hard-stop"',
      { indicator: 'hard-stop' as 'info' },
      [
        {
          path: 'indicator',
          message: 'must be one of "info", "warning", "critical" (got "hard-stop")',
        },
      ],
    ],
    [
      'no source label',
      { source: { label: ' ' } },
      [{ path: 'source.label', message: 'must not be empty' }],
    ],
    [
      'an override reason without display',
      { overrideReasons: [{ system: 'https://x', code: 'c' }] },
      [{ path: 'overrideReasons[0].display', message: 'is required' }],
    ],
  ])('refuses %s', (_name, patch, issues) => {
    const error = thrown(() =>
      createCard({ summary: 'ok', indicator: 'info', source: SOURCE, ...patch } as CardInput),
    );
    expect(error).toBeInstanceOf(CdsValidationError);
    expect(error).toMatchObject({ issues, status: 400, code: 'invalid_cds_hooks_json' });
  });

  it('refuses suggestions without selectionBehavior at compile time and at run time', () => {
    const input = {
      summary: 'x',
      indicator: 'info',
      source: SOURCE,
      suggestions: [{ label: 'Do' }],
    } as const;
    // @ts-expect-error suggestions require selectionBehavior (cds-resp-6)
    const build = () => createCard(input);
    expect(thrown(build)).toMatchObject({
      issues: [{ path: 'selectionBehavior', message: 'is required when suggestions are present' }],
    });
  });

  it('serialises an object appContext on smart links', () => {
    const card = createCard({
      summary: 'x',
      indicator: 'info',
      source: SOURCE,
      links: [
        {
          label: 'Open',
          url: 'https://bedside.example.org/launch',
          type: 'smart',
          appContext: { view: 'diabetes' },
        },
      ],
    });
    expect(card.links).toEqual([
      {
        label: 'Open',
        url: 'https://bedside.example.org/launch',
        type: 'smart',
        appContext: '{"view":"diabetes"}',
      },
    ]);
  });

  it('accepts http links only in a development profile', () => {
    const input: CardInput = {
      summary: 'x',
      indicator: 'info',
      source: SOURCE,
      links: [{ label: 'Open', url: 'http://localhost:3000/launch', type: 'smart' }],
    };
    expect(thrown(() => createCard(input))).toMatchObject({
      issues: [{ path: 'links[0].url', message: 'must be an https URL' }],
    });
    expect(createCard(input, { allowHttpUrls: true }).links).toHaveLength(1);
  });
});

describe('CDS Hooks 2.0 §Action, §Suggestion, §Link — builders (ACT-1, LINK-1)', () => {
  it('builds the three action types', () => {
    const resource = { resourceType: 'ServiceRequest', id: 'sr-1' };
    expect(createAction({ type: 'create', description: 'Add', resource })).toEqual({
      type: 'create',
      description: 'Add',
      resource,
    });
    expect(
      createAction({ type: 'delete', description: 'Remove', resourceId: 'ServiceRequest/sr-1' }),
    ).toEqual({
      type: 'delete',
      description: 'Remove',
      resourceId: 'ServiceRequest/sr-1',
    });
    expect(
      createSystemAction({ type: 'update', description: 'Record coverage', resource }),
    ).toEqual({
      type: 'update',
      description: 'Record coverage',
      resource,
    });
  });

  it.each<[string, Parameters<typeof createAction>[0], { path: string; message: string }[]]>([
    [
      'an update without id',
      { type: 'update', description: 'Change', resource: { resourceType: 'ServiceRequest' } },
      [{ path: 'resource.id', message: 'is required for an update action' }],
    ],
    [
      'a delete with a bare id',
      { type: 'delete', description: 'Remove', resourceId: 'sr-1' },
      [
        {
          path: 'resourceId',
          message: 'must be a relative reference "ResourceType/id" (got "sr-1")',
        },
      ],
    ],
    [
      'an empty description',
      { type: 'delete', description: '', resourceId: 'ServiceRequest/sr-1' },
      [{ path: 'description', message: 'must not be empty' }],
    ],
  ])('refuses %s', (_name, input, issues) => {
    expect(thrown(() => createAction(input))).toMatchObject({ issues });
  });

  it('builds a suggestion with actions and a generated uuid', () => {
    const suggestion = createSuggestion(
      {
        label: 'Remove the amoxicillin order',
        actions: [
          { type: 'delete', description: 'Remove', resourceId: 'MedicationRequest/draft-amox-1' },
        ],
      },
      { randomUUID: counter() },
    );
    expect(suggestion).toEqual({
      label: 'Remove the amoxicillin order',
      uuid: 'uuid-1',
      actions: [
        { type: 'delete', description: 'Remove', resourceId: 'MedicationRequest/draft-amox-1' },
      ],
    });
    expect(thrown(() => createSuggestion({ label: '' }))).toMatchObject({
      issues: [{ path: 'label', message: 'must not be empty' }],
    });
  });

  it('builds absolute links without appContext', () => {
    expect(createLink({ label: 'Guideline', url: 'https://x.org/g', type: 'absolute' })).toEqual({
      label: 'Guideline',
      url: 'https://x.org/g',
      type: 'absolute',
    });
  });
});

describe('CDS Hooks 2.0 §CDS Service Response, §Discovery, §Feedback — builders', () => {
  it('omits empty systemActions (RESP-1) and refuses duplicate card uuids', () => {
    const card = createCard({ uuid: 'c1', summary: 'x', indicator: 'info', source: SOURCE });
    expect(createCdsResponse({ cards: [card], systemActions: [] })).toEqual({ cards: [card] });
    expect(createCdsResponse({ cards: [] })).toEqual({ cards: [] });
    expect(thrown(() => createCdsResponse({ cards: [card, card] }))).toMatchObject({
      issues: [{ path: 'cards[1].uuid', message: 'duplicates the uuid of cards[0]' }],
    });
  });

  it('rebuilds the §17.1 discovery document and fails fast on a bad template (DISC-4)', () => {
    const services = structuredClone(
      discoveryResponse.services,
    ) as unknown as CdsServiceDefinition[];
    expect(createDiscoveryDocument(services)).toEqual(discoveryResponse);
    const bad = [
      { ...services[0], prefetch: { p: 'Practitioner/{{context.userId}}' } },
    ] as CdsServiceDefinition[];
    expect(thrown(() => createDiscoveryDocument(bad))).toMatchObject({
      issues: [
        {
          path: 'services[0].prefetch.p',
          message:
            '"Practitioner/{{context.userId}}" repeats the resource type: context.userId is already "Type/id"; use Practitioner/{{userPractitionerId}}',
        },
      ],
    });
  });

  it('builds the §17.6 accepted feedback', () => {
    expect(
      createFeedback({
        card: '9368d37b-283f-44a0-93ea-547cebab93ed',
        outcome: 'accepted',
        acceptedSuggestions: ['e56e1945-20b3-4393-8503-a1a20fd73152'],
        outcomeTimestamp: '2024-03-01T15:04:05Z',
      }),
    ).toEqual(acceptedFeedback.feedback[0]);
  });

  it('stamps feedback with the injected clock', () => {
    expect(
      createFeedback(
        { card: 'c', outcome: 'overridden', overrideReason: { userComment: 'Not today' } },
        { now: () => Date.UTC(2024, 2, 1, 15, 6, 0, 520) },
      ),
    ).toEqual({
      card: 'c',
      outcome: 'overridden',
      overrideReason: { userComment: 'Not today' },
      outcomeTimestamp: '2024-03-01T15:06:00.520Z',
    });
  });

  it.each<[string, Parameters<typeof createFeedback>[0], { path: string; message: string }[]]>([
    [
      'accepted without suggestions (cds-fb-2)',
      {
        card: 'c',
        outcome: 'accepted',
        acceptedSuggestions: [],
        outcomeTimestamp: '2024-03-01T15:04:05Z',
      },
      [{ path: 'acceptedSuggestions', message: 'must not be empty when outcome is "accepted"' }],
    ],
    [
      'an empty override reason (cds-fb-3)',
      {
        card: 'c',
        outcome: 'overridden',
        overrideReason: {},
        outcomeTimestamp: '2024-03-01T15:04:05Z',
      },
      [{ path: 'overrideReason', message: 'must have reason or userComment' }],
    ],
  ])('refuses %s', (_name, input, issues) => {
    expect(thrown(() => createFeedback(input))).toMatchObject({ issues });
  });
});
