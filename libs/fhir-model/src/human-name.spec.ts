import { describe, expect, it } from 'vitest';

import { displayName, formatHumanName, selectDisplayName } from './human-name.js';
import type { HumanName } from './types.js';

describe('FHIR R4 §HumanName — display', () => {
  it.each<[string, HumanName[] | undefined, string]>([
    ['given + family', [{ given: ['Amy', 'V.'], family: 'Shaw' }], 'Amy V. Shaw'],
    [
      'prefix and suffix',
      [{ prefix: ['Dr.'], given: ['Ann'], family: 'Lee', suffix: ['MD'] }],
      'Dr. Ann Lee MD',
    ],
    ['text only', [{ text: 'Peter James Chalmers' }], 'Peter James Chalmers'],
    [
      'official beats usual and nickname',
      [
        { use: 'nickname', given: ['Jim'] },
        { use: 'usual', given: ['James'], family: 'Chalmers' },
        { use: 'official', given: ['Peter', 'James'], family: 'Chalmers' },
      ],
      'Peter James Chalmers',
    ],
    [
      'ended names are skipped',
      [
        { use: 'official', family: 'Windsor', given: ['Peter'], period: { end: '2002' } },
        { use: 'usual', family: 'Chalmers', given: ['Peter'] },
      ],
      'Peter Chalmers',
    ],
    ['old names used when nothing else exists', [{ use: 'old', family: 'Windsor' }], 'Windsor'],
    ['no names', undefined, ''],
    ['empty array', [], ''],
  ])('%s', (_label, names, expected) => {
    expect(displayName(names)).toBe(expected);
  });

  it('returns undefined for no names and trims blanks', () => {
    expect(selectDisplayName([])).toBeUndefined();
    expect(formatHumanName({ given: [' ', 'Ana '], family: '' })).toBe('Ana');
  });
});
