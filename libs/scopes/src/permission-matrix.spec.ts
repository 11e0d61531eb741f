/**
 * Tripwire: the whole scope → permission matrix. If this test fails, a change altered what some
 * scope allows. Edit the literal tables only on purpose, with the spec section that justifies it.
 */
import { describe, expect, it } from 'vitest';

import { compileGrant, decide } from './decide.js';
import type { FhirAccessRequest } from './decide.js';
import type { FhirInteraction } from './types.js';

const CONTEXTS = ['patient', 'user', 'system'] as const;
const FORMS = ['read', 'write', '*', 'c', 'r', 'u', 'd', 's', 'rs', 'cud', 'cruds'];
const COLUMNS: [FhirInteraction, string?][] = [
  ['read'],
  ['vread'],
  ['history-instance'],
  ['search'],
  ['search-system'],
  ['history-type'],
  ['history-system'],
  ['create'],
  ['update'],
  ['patch'],
  ['delete'],
  ['operation', '$everything'],
  ['operation', '$export'],
];

/** One row per scope; per interaction, which request context (p, u, s) the scope allows. */
function matrix(scopes: readonly string[]): string {
  const rows = scopes.map((scope) => {
    const grant = compileGrant(scope);
    const cells = COLUMNS.map(([interaction, operation]) =>
      CONTEXTS.map((context) => {
        const request: FhirAccessRequest = {
          resourceType: 'Observation',
          interaction,
          contexts: [context],
          ...(operation === undefined ? {} : { operation }),
        };
        return decide(grant, request).allowed ? context[0] : '.';
      }).join(''),
    );
    return `${scope.padEnd(26)}| ${cells.join(' ')}`;
  });
  return ['\n', ...rows.map((row) => `${row}\n`)].join('');
}

describe('Tripwire — SCOPE-01/SCOPE-02 permission matrix (context × interaction × v1/v2 form)', () => {
  it('pins every context and v1/v2 form against every interaction', () => {
    const scopes = CONTEXTS.flatMap((context) =>
      FORMS.map((form) => `${context}/Observation.${form}`),
    );
    // columns: read vread history-instance search search-system history-type history-system
    //          create update patch delete $everything $export
    expect(matrix([...scopes, 'patient/*.read', 'user/*.cruds', 'patient/Condition.cruds'])).toBe(`
patient/Observation.read  | p.. p.. p.. p.. p.. p.. p.. ... ... ... ... p.. p..
patient/Observation.write | ... ... ... ... ... ... ... p.. p.. p.. p.. ... ...
patient/Observation.*     | p.. p.. p.. p.. p.. p.. p.. p.. p.. p.. p.. p.. p..
patient/Observation.c     | ... ... ... ... ... ... ... p.. ... ... ... ... ...
patient/Observation.r     | p.. p.. p.. ... ... ... ... ... ... ... ... p.. ...
patient/Observation.u     | ... ... ... ... ... ... ... ... p.. p.. ... ... ...
patient/Observation.d     | ... ... ... ... ... ... ... ... ... ... p.. ... ...
patient/Observation.s     | ... ... ... p.. p.. p.. p.. ... ... ... ... ... p..
patient/Observation.rs    | p.. p.. p.. p.. p.. p.. p.. ... ... ... ... p.. p..
patient/Observation.cud   | ... ... ... ... ... ... ... p.. p.. p.. p.. ... ...
patient/Observation.cruds | p.. p.. p.. p.. p.. p.. p.. p.. p.. p.. p.. p.. p..
user/Observation.read     | .u. .u. .u. .u. .u. .u. .u. ... ... ... ... .u. .u.
user/Observation.write    | ... ... ... ... ... ... ... .u. .u. .u. .u. ... ...
user/Observation.*        | .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u.
user/Observation.c        | ... ... ... ... ... ... ... .u. ... ... ... ... ...
user/Observation.r        | .u. .u. .u. ... ... ... ... ... ... ... ... .u. ...
user/Observation.u        | ... ... ... ... ... ... ... ... .u. .u. ... ... ...
user/Observation.d        | ... ... ... ... ... ... ... ... ... ... .u. ... ...
user/Observation.s        | ... ... ... .u. .u. .u. .u. ... ... ... ... ... .u.
user/Observation.rs       | .u. .u. .u. .u. .u. .u. .u. ... ... ... ... .u. .u.
user/Observation.cud      | ... ... ... ... ... ... ... .u. .u. .u. .u. ... ...
user/Observation.cruds    | .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u.
system/Observation.read   | ..s ..s ..s ..s ..s ..s ..s ... ... ... ... ..s ..s
system/Observation.write  | ... ... ... ... ... ... ... ..s ..s ..s ..s ... ...
system/Observation.*      | ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s
system/Observation.c      | ... ... ... ... ... ... ... ..s ... ... ... ... ...
system/Observation.r      | ..s ..s ..s ... ... ... ... ... ... ... ... ..s ...
system/Observation.u      | ... ... ... ... ... ... ... ... ..s ..s ... ... ...
system/Observation.d      | ... ... ... ... ... ... ... ... ... ... ..s ... ...
system/Observation.s      | ... ... ... ..s ..s ..s ..s ... ... ... ... ... ..s
system/Observation.rs     | ..s ..s ..s ..s ..s ..s ..s ... ... ... ... ..s ..s
system/Observation.cud    | ... ... ... ... ... ... ... ..s ..s ..s ..s ... ...
system/Observation.cruds  | ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s ..s
patient/*.read            | p.. p.. p.. p.. p.. p.. p.. ... ... ... ... p.. p..
user/*.cruds              | .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u. .u.
patient/Condition.cruds   | ... ... ... ... ... ... ... ... ... ... ... ... ...
`);
  });
});

describe('Tripwire — SCOPE-05 granular scope matrix', () => {
  const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
  const lab = {
    resourceType: 'Observation',
    category: [{ coding: [{ system: LAB.split('|')[0], code: 'laboratory' }] }],
  };
  const survey = {
    ...lab,
    category: [{ coding: [{ system: LAB.split('|')[0], code: 'survey' }] }],
  };

  it('pins what patient/Observation.crs?category=…|laboratory allows', () => {
    const grant = compileGrant(`patient/Observation.crs?category=${LAB}`);
    const cases: [string, FhirAccessRequest][] = [
      ['read, lab resource', { resourceType: 'Observation', interaction: 'read', resource: lab }],
      [
        'read, survey resource',
        { resourceType: 'Observation', interaction: 'read', resource: survey },
      ],
      ['read, no resource', { resourceType: 'Observation', interaction: 'read' }],
      ['vread, lab resource', { resourceType: 'Observation', interaction: 'vread', resource: lab }],
      [
        'history-instance, lab',
        { resourceType: 'Observation', interaction: 'history-instance', resource: lab },
      ],
      [
        'search, category=lab',
        { resourceType: 'Observation', interaction: 'search', searchParams: [['category', LAB]] },
      ],
      [
        'search, no category',
        { resourceType: 'Observation', interaction: 'search', searchParams: [['patient', '1']] },
      ],
      [
        'search-system, category=lab',
        {
          resourceType: 'Observation',
          interaction: 'search-system',
          searchParams: [['category', LAB]],
        },
      ],
      ['history-type', { resourceType: 'Observation', interaction: 'history-type' }],
      [
        'create, lab resource',
        { resourceType: 'Observation', interaction: 'create', resource: lab },
      ],
      [
        'create, survey resource',
        { resourceType: 'Observation', interaction: 'create', resource: survey },
      ],
      [
        'update, lab resource',
        { resourceType: 'Observation', interaction: 'update', resource: lab },
      ],
      [
        '$everything',
        { resourceType: 'Observation', interaction: 'operation', operation: '$everything' },
      ],
      [
        'read, user context only',
        { resourceType: 'Observation', interaction: 'read', resource: lab, contexts: ['user'] },
      ],
    ];
    const table = cases.map(([name, request]) => {
      const decision = decide(grant, request);
      return `${name}: ${decision.allowed ? 'allowed' : decision.code}`;
    });
    expect(table).toEqual([
      'read, lab resource: allowed',
      'read, survey resource: filter_not_satisfied',
      'read, no resource: resource_required',
      'vread, lab resource: allowed',
      'history-instance, lab: allowed',
      'search, category=lab: allowed',
      'search, no category: filter_not_satisfied',
      'search-system, category=lab: allowed',
      'history-type: filter_not_satisfied',
      'create, lab resource: allowed',
      'create, survey resource: filter_not_satisfied',
      'update, lab resource: interaction_not_granted',
      '$everything: filter_not_satisfied',
      'read, user context only: context_not_granted',
    ]);
  });
});
