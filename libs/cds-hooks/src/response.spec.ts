import { describe, expect, it } from 'vitest';

import { orderSignResponse, patientViewResponse } from './testing/vectors.js';
import { validateCard, validateCdsResponse, validateSuggestion } from './response.js';

type Json = Record<string, unknown>;
type Issue = { path: string; message: string };

function clone<T>(value: T): T & Json {
  return structuredClone(value) as T & Json;
}

function minimalCard(patch: Json = {}): Json {
  return {
    summary: 'Check HbA1c',
    indicator: 'info',
    source: { label: 'Bedside' },
    ...patch,
  };
}

function cardIssues(card: unknown, allowHttpUrls = false): Issue[] {
  const result = validateCard(card, { allowHttpUrls });
  return result.ok ? [] : result.issues;
}

function responseIssues(body: unknown): Issue[] {
  const result = validateCdsResponse(body);
  return result.ok ? [] : result.issues;
}

/** The 17.5 critical card, cloned. */
function signCard(): Json {
  return clone(orderSignResponse).cards[0] as Json;
}

describe('CDS Hooks 2.0 §CDS Service Response — checklist vectors §17.3 and §17.5', () => {
  it.each([
    ['17.3 patient-view', patientViewResponse],
    ['17.5 order-sign', orderSignResponse],
  ])('%s is valid, without warnings', (_name, body) => {
    expect(validateCdsResponse(clone(body))).toEqual({ ok: true, value: body, warnings: [] });
  });

  it('accepts {"cards": []} (RESP-1: no guidance)', () => {
    expect(validateCdsResponse({ cards: [] })).toEqual({
      ok: true,
      value: { cards: [] },
      warnings: [],
    });
  });

  it.each<[string, unknown, Issue[]]>([
    ['no cards', {}, [{ path: 'cards', message: 'is required' }]],
    ['cards null', { cards: null }, [{ path: 'cards', message: 'must not be null' }]],
    ['cards an object', { cards: {} }, [{ path: 'cards', message: 'must be an array' }]],
    [
      'systemActions []',
      { cards: [], systemActions: [] },
      [{ path: 'systemActions', message: 'must not be empty; omit the attribute instead' }],
    ],
    ['a card null', { cards: [null] }, [{ path: 'cards[0]', message: 'must not be null' }]],
    ['not an object', 'cards', [{ path: '', message: 'must be a JSON object' }]],
  ])('refuses a response with %s', (_name, body, expected) => {
    expect(responseIssues(body)).toEqual(expected);
  });

  it('reports the card path inside a response', () => {
    const body = clone(orderSignResponse);
    delete (body.cards[0] as Json)['selectionBehavior'];
    expect(responseIssues(body)).toEqual([
      { path: 'cards[0].selectionBehavior', message: 'is required when suggestions are present' },
    ]);
  });

  it('refuses two cards with the same uuid (feedback could not tell them apart)', () => {
    const card = clone(patientViewResponse).cards[0];
    expect(responseIssues({ cards: [card, card] })).toEqual([
      { path: 'cards[1].uuid', message: 'duplicates the uuid of cards[0]' },
    ]);
  });
});

describe('CDS Hooks 2.0 §Card Attributes — summary, indicator, source (CARD-1, CARD-2, SRC-1, GEN-2)', () => {
  it.each([
    ['139 ASCII characters', 'a'.repeat(139), []],
    [
      '140 ASCII characters',
      'a'.repeat(140),
      [{ path: 'summary', message: 'must be shorter than 140 characters (got 140)' }],
    ],
    ['138 characters and one symbol', `${'a'.repeat(138)}⚠`, []],
    [
      '138 characters and an emoji with a variation selector (2 code points, as Inferno counts)',
      `${'a'.repeat(138)}⚠️`,
      [{ path: 'summary', message: 'must be shorter than 140 characters (got 140)' }],
    ],
    ['139 emoji (code points, not UTF-16 units)', '🩺'.repeat(139), []],
    [
      '140 emoji',
      '🩺'.repeat(140),
      [{ path: 'summary', message: 'must be shorter than 140 characters (got 140)' }],
    ],
    ['empty', '', [{ path: 'summary', message: 'must not be empty' }]],
    ['whitespace', '   ', [{ path: 'summary', message: 'must not be empty' }]],
  ] as const)('summary of %s', (_name, summary, expected) => {
    expect(cardIssues(minimalCard({ summary }))).toEqual(expected);
  });

  it.each(['info', 'warning', 'critical'])('accepts indicator %s', (indicator) => {
    expect(cardIssues(minimalCard({ indicator }))).toEqual([]);
  });

  it.each([
    ['hard-stop', 'must be one of "info", "warning", "critical" (got "hard-stop")'],
    ['Warning', 'must be one of "info", "warning", "critical" (got "Warning")'],
    [3, 'must be one of "info", "warning", "critical" (got 3)'],
  ])('refuses indicator %s', (indicator, message) => {
    expect(cardIssues(minimalCard({ indicator }))).toEqual([{ path: 'indicator', message }]);
  });

  it.each<[string, Json, Issue[]]>([
    ['no summary', { summary: undefined }, [{ path: 'summary', message: 'is required' }]],
    ['no indicator', { indicator: undefined }, [{ path: 'indicator', message: 'is required' }]],
    ['no source', { source: undefined }, [{ path: 'source', message: 'is required' }]],
    ['source without label', { source: {} }, [{ path: 'source', message: 'must not be empty' }]],
    [
      'source label empty',
      { source: { label: '' } },
      [{ path: 'source.label', message: 'must not be empty' }],
    ],
    [
      'source url http',
      { source: { label: 'x', url: 'http://bedside.example.org' } },
      [{ path: 'source.url', message: 'must be an https URL' }],
    ],
    [
      'source icon relative',
      { source: { label: 'x', icon: '/img/icon.png' } },
      [{ path: 'source.icon', message: 'must be an absolute URL (got "/img/icon.png")' }],
    ],
    [
      'source topic without code',
      { source: { label: 'x', topic: { system: 'https://bedside.example.org/cs' } } },
      [{ path: 'source.topic.code', message: 'is required' }],
    ],
    [
      'detail ""',
      { detail: '' },
      [{ path: 'detail', message: 'must not be empty; omit the attribute instead' }],
    ],
    [
      'uuid null',
      { uuid: null },
      [{ path: 'uuid', message: 'must not be null; omit the attribute instead' }],
    ],
    [
      'links []',
      { links: [] },
      [{ path: 'links', message: 'must not be empty; omit the attribute instead' }],
    ],
    [
      'overrideReasons null',
      { overrideReasons: null },
      [{ path: 'overrideReasons', message: 'must not be null; omit the attribute instead' }],
    ],
    [
      'an override reason without display (cds-resp-4)',
      { overrideReasons: [{ system: 'https://bedside.example.org/cs', code: 'declined' }] },
      [{ path: 'overrideReasons[0].display', message: 'is required' }],
    ],
    [
      'extension a string',
      { extension: 'x' },
      [{ path: 'extension', message: 'must be an object' }],
    ],
  ])('refuses a card with %s', (_name, patch, expected) => {
    const card = minimalCard(patch);
    for (const key of Object.keys(card)) if (card[key] === undefined) delete card[key];
    expect(cardIssues(card)).toEqual(expected);
  });

  it('accepts http URLs in a development profile', () => {
    const card = minimalCard({ source: { label: 'x', url: 'http://localhost:3000' } });
    expect(cardIssues(card, true)).toEqual([]);
  });

  it('keeps unknown properties (GEN-3)', () => {
    const card = minimalCard({ 'org.example.rank': 1, extension: { 'org.bedside.trace-id': 'a' } });
    expect(validateCard(card)).toEqual({ ok: true, value: card, warnings: [] });
  });
});

describe('CDS Hooks 2.0 §Suggestion — selectionBehavior and isRecommended (CARD-3, CARD-4)', () => {
  it('refuses suggestions without selectionBehavior (cds-resp-6)', () => {
    const card = signCard();
    delete card['selectionBehavior'];
    expect(cardIssues(card)).toEqual([
      { path: 'selectionBehavior', message: 'is required when suggestions are present' },
    ]);
  });

  it('refuses an unknown selectionBehavior (CARD-4: the client drops the card)', () => {
    const card = { ...signCard(), selectionBehavior: 'exactly-one' };
    expect(cardIssues(card)).toEqual([
      {
        path: 'selectionBehavior',
        message: 'must be one of "at-most-one", "any" (got "exactly-one")',
      },
    ]);
  });

  it('refuses two recommended suggestions with "at-most-one" (cds-resp-1) but allows them with "any"', () => {
    const card = signCard();
    const suggestions = card['suggestions'] as Json[];
    Object.assign(suggestions[1] ?? {}, { isRecommended: true });
    expect(cardIssues(card)).toEqual([
      {
        path: 'suggestions',
        message:
          'may have at most one suggestion with isRecommended true when selectionBehavior is "at-most-one"',
      },
    ]);
    card['selectionBehavior'] = 'any';
    expect(cardIssues(card)).toEqual([]);
  });

  it('warns about selectionBehavior without suggestions', () => {
    expect(validateCard(minimalCard({ selectionBehavior: 'any' }))).toMatchObject({
      ok: true,
      warnings: [{ path: 'selectionBehavior', message: 'has no effect without suggestions' }],
    });
  });

  it.each<[string, Json, Issue[]]>([
    ['no label', { label: undefined }, [{ path: 'suggestions[0].label', message: 'is required' }]],
    [
      'isRecommended "yes"',
      { isRecommended: 'yes' },
      [{ path: 'suggestions[0].isRecommended', message: 'must be a boolean' }],
    ],
    [
      'actions []',
      { actions: [] },
      [
        {
          path: 'suggestions[0].actions',
          message: 'must not be empty; omit the attribute instead',
        },
      ],
    ],
    [
      'the uuid of the other suggestion',
      { uuid: '0c4d9f3b-6a8e-4f0b-b1a2-7d5e3c9f8a61' },
      [{ path: 'suggestions[1].uuid', message: 'duplicates the uuid of suggestions[0]' }],
    ],
  ])('refuses a suggestion with %s', (_name, patch, expected) => {
    const card = signCard();
    const suggestion = (card['suggestions'] as Json[])[0] ?? {};
    Object.assign(suggestion, patch);
    if (patch['label'] === undefined && 'label' in patch) delete suggestion['label'];
    expect(cardIssues(card)).toEqual(expected);
  });

  it('validates a lone suggestion', () => {
    expect(validateSuggestion({ label: 'Order HbA1c' })).toMatchObject({ ok: true });
    expect(validateSuggestion({ label: 'x', actions: [{ type: 'create' }] })).toMatchObject({
      ok: false,
      issues: [
        { path: 'actions[0].description', message: 'is required' },
        { path: 'actions[0].resource', message: 'is required for a create action' },
      ],
    });
  });
});

describe('CDS Hooks 2.0 §Action — create, update, delete (ACT-1, SYS-1, SYS-2)', () => {
  const resource = { resourceType: 'ServiceRequest', id: 'sr-1', status: 'draft' };

  function withAction(action: Json): Json {
    return minimalCard({
      suggestions: [{ label: 'Do it', uuid: 'u1', actions: [action] }],
      selectionBehavior: 'any',
    });
  }

  it.each<[string, Json, Issue[]]>([
    ['create with a resource', { type: 'create', description: 'Add', resource }, []],
    ['update with a whole resource', { type: 'update', description: 'Change', resource }, []],
    [
      'delete with resourceId',
      { type: 'delete', description: 'Remove', resourceId: 'ServiceRequest/sr-1' },
      [],
    ],
    [
      'create without resource',
      { type: 'create', description: 'Add' },
      [{ path: 'suggestions[0].actions[0].resource', message: 'is required for a create action' }],
    ],
    [
      'create with a resource lacking resourceType',
      { type: 'create', description: 'Add', resource: { id: 'x' } },
      [
        {
          path: 'suggestions[0].actions[0].resource',
          message: 'must be a FHIR resource (an object with a resourceType)',
        },
      ],
    ],
    [
      'update without resource id',
      { type: 'update', description: 'Change', resource: { resourceType: 'ServiceRequest' } },
      [
        {
          path: 'suggestions[0].actions[0].resource.id',
          message: 'is required for an update action',
        },
      ],
    ],
    [
      'delete without resourceId',
      { type: 'delete', description: 'Remove' },
      [
        {
          path: 'suggestions[0].actions[0].resourceId',
          message: 'is required for a delete action',
        },
      ],
    ],
    [
      'delete with a resource object (cds-resp-2)',
      { type: 'delete', description: 'Remove', resource },
      [
        {
          path: 'suggestions[0].actions[0].resource',
          message: 'must not be present on a delete action; use resourceId',
        },
      ],
    ],
    [
      'delete with a bare id',
      { type: 'delete', description: 'Remove', resourceId: 'sr-1' },
      [
        {
          path: 'suggestions[0].actions[0].resourceId',
          message: 'must be a relative reference "ResourceType/id" (got "sr-1")',
        },
      ],
    ],
    [
      'no description (cds-resp-5)',
      { type: 'create', resource },
      [{ path: 'suggestions[0].actions[0].description', message: 'is required' }],
    ],
    [
      'type "remove"',
      { type: 'remove', description: 'x', resourceId: 'ServiceRequest/sr-1' },
      [
        {
          path: 'suggestions[0].actions[0].type',
          message: 'must be one of "create", "update", "delete" (got "remove")',
        },
      ],
    ],
  ])('%s', (_name, action, expected) => {
    expect(cardIssues(withAction(action))).toEqual(expected);
  });

  it('accepts a 1.0 delete (id string in resource) with a warning', () => {
    const result = validateCard(
      withAction({ type: 'delete', description: 'Remove', resource: 'ServiceRequest/sr-1' }),
    );
    expect(result).toMatchObject({
      ok: true,
      warnings: [
        {
          path: 'suggestions[0].actions[0].resource',
          message: 'an id string in resource is deprecated for delete actions; use resourceId',
        },
      ],
    });
  });

  it('accepts a system action without description, with a warning (SYS-1)', () => {
    const result = validateCdsResponse({
      cards: [],
      systemActions: [{ type: 'update', resource }],
    });
    expect(result).toMatchObject({
      ok: true,
      warnings: [{ path: 'systemActions[0].description', message: 'should be present' }],
    });
  });

  it('checks system actions like suggestion actions otherwise', () => {
    expect(
      responseIssues({ cards: [], systemActions: [{ type: 'delete', description: 'x' }] }),
    ).toEqual([
      { path: 'systemActions[0].resourceId', message: 'is required for a delete action' },
    ]);
  });

  it('warns about pre-2.0 extension.systemActions (SYS-2)', () => {
    const result = validateCdsResponse({
      cards: [],
      extension: { systemActions: [{ type: 'create', resource }] },
    });
    expect(result).toMatchObject({
      ok: true,
      warnings: [
        {
          path: 'extension.systemActions',
          message:
            'is the pre-2.0 location of system actions; CDS Hooks 2.0 reads systemActions at the top level',
        },
      ],
    });
  });
});

describe('CDS Hooks 2.0 §Link — type and appContext (LINK-1)', () => {
  const link = (patch: Json): Json =>
    minimalCard({
      links: [
        { label: 'Open', url: 'https://bedside.example.org/launch', type: 'smart', ...patch },
      ],
    });

  it.each<[string, Json, Issue[]]>([
    ['a smart link with appContext', { appContext: '{"view":"x"}' }, []],
    ['autolaunchable (2.0.1 text)', { autolaunchable: true }, []],
    [
      'appContext on an absolute link (cds-resp-3)',
      { type: 'absolute', appContext: 'x' },
      [{ path: 'links[0].appContext', message: 'is only allowed on smart links' }],
    ],
    [
      'type "web"',
      { type: 'web' },
      [{ path: 'links[0].type', message: 'must be one of "absolute", "smart" (got "web")' }],
    ],
    [
      'appContext as an object',
      { appContext: { view: 'x' } },
      [{ path: 'links[0].appContext', message: 'must be a string' }],
    ],
    [
      'a relative url',
      { url: '/launch' },
      [{ path: 'links[0].url', message: 'must be an absolute URL (got "/launch")' }],
    ],
    [
      'autolaunchable "true"',
      { autolaunchable: 'true' },
      [{ path: 'links[0].autolaunchable', message: 'must be a boolean' }],
    ],
  ])('%s', (_name, patch, expected) => {
    expect(cardIssues(link(patch))).toEqual(expected);
  });
});
