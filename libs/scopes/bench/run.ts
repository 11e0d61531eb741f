/**
 * Throughput of the two hot paths: parsing a realistic 20-scope grant (reported per scope) and
 * deciding FHIR requests against it once compiled (a mix of allowed, denied and granular
 * requests). Each is compared with a naive baseline measured in the same run: a regex parser
 * following SCOPE-01/02, and a decision that scans the parsed scope list on every request.
 * Run: npm run bench -w @bedside/scopes   (BENCH_ROUNDS, BENCH_MS tune the run)
 * On a shared machine the "per CPU s" column (ops per second of this process's CPU time) is the
 * one-core figure; wall clock also counts time the process waited for a core.
 */
import {
  compileGrant,
  decide,
  parseScopes,
  permissionMask,
  type FhirAccessRequest,
  type Scope,
} from '../src/index.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 9);
const ROUND_MS = Number(process.env['BENCH_MS'] ?? 300);

const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
const COND = 'http://terminology.hl7.org/CodeSystem/condition-category';

/** A g10-style patient app grant: 4 non-clinical, 12 resource-level, 4 granular scopes. */
const GRANT = [
  'launch openid fhirUser offline_access',
  'patient/Patient.rs patient/AllergyIntolerance.rs',
  `patient/Condition.rs?category=${COND}|problem-list-item`,
  `patient/Condition.rs?category=${COND}|encounter-diagnosis`,
  `patient/Observation.rs?category=${OBS}|laboratory`,
  `patient/Observation.rs?category=${OBS}|vital-signs`,
  'patient/MedicationRequest.rs patient/Immunization.rs patient/Procedure.rs',
  'patient/DiagnosticReport.rs patient/DocumentReference.rs patient/Encounter.rs',
  'patient/Observation.c user/Practitioner.read patient/CarePlan.read patient/Goal.rs',
].join(' ');
const SCOPE_COUNT = GRANT.split(' ').length;
if (SCOPE_COUNT !== 20) throw new Error(`grant has ${SCOPE_COUNT} scopes`);

const lab = {
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: OBS, code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
};
const survey = { ...lab, category: [{ coding: [{ system: OBS, code: 'survey' }] }] };

const REQUESTS: FhirAccessRequest[] = [
  { resourceType: 'Patient', interaction: 'read' },
  { resourceType: 'Encounter', interaction: 'search', searchParams: [['patient', '123']] },
  { resourceType: 'Observation', interaction: 'create' },
  { resourceType: 'Practitioner', interaction: 'read', contexts: ['user'] },
  { resourceType: 'Condition', interaction: 'delete' }, // denied: interaction
  { resourceType: 'Device', interaction: 'read' }, // denied: no scope
  {
    resourceType: 'Observation',
    interaction: 'search',
    searchParams: [
      ['patient', '123'],
      ['category', `${OBS}|laboratory`],
    ],
  },
  { resourceType: 'Observation', interaction: 'search', searchParams: [['patient', '123']] }, // denied: filter
  { resourceType: 'Observation', interaction: 'read', resource: lab },
  { resourceType: 'Observation', interaction: 'read', resource: survey }, // denied: filter
  { resourceType: 'MedicationRequest', interaction: 'history-instance' },
  { resourceType: 'Goal', interaction: 'update', contexts: ['patient'] }, // denied: interaction
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface Case {
  readonly name: string;
  /** Operations one call of `run` performs. */
  readonly perRun: number;
  readonly run: () => unknown;
  readonly goal?: number;
  readonly wall: number[];
  readonly cpu: number[];
}

/**
 * Rounds are interleaved (every case once per round) so that load from other processes hits all
 * cases alike. Wall-clock rates use performance.now(); CPU rates divide by the process's CPU
 * time (process.cpuUsage), which excludes time spent descheduled on a busy machine.
 */
function measureAll(cases: Case[]): void {
  for (const c of cases) {
    const until = performance.now() + 200;
    while (performance.now() < until) sink = c.run(); // warm-up
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) {
      let ops = 0;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < ROUND_MS) {
        for (let i = 0; i < 50; i++) sink = c.run();
        ops += 50 * c.perRun;
        elapsed = performance.now() - start;
      }
      const cpu = process.cpuUsage(cpu0);
      c.wall.push((ops * 1000) / elapsed);
      c.cpu.push((ops * 1e6) / Math.max(1, cpu.user + cpu.system));
    }
  }
}
let sink: unknown;

// Baseline parser: the SCOPE-01/SCOPE-02 regexes plus a lookup table for the rest.
const V2 = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?)(\?.+)?$/;
const V1 = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$/;
function regexParse(text: string): unknown[] {
  return text
    .split(/ +/)
    .filter(Boolean)
    .map((t) => {
      const v1 = V1.exec(t);
      if (v1) return { kind: 'clinical', context: v1[1], type: v1[2], perms: v1[3] };
      const v2 = V2.exec(t);
      if (v2 && v2[3]) {
        const filters = v2[4]
          ?.slice(1)
          .split('&')
          .map((kv) => kv.split('='));
        return { kind: 'clinical', context: v2[1], type: v2[2], perms: v2[3], filters };
      }
      return { kind: t };
    });
}

// Baseline decision: scan the parsed scopes on every request (no index, no precomputed masks).
const LETTER: Record<string, number> = {
  read: 2,
  vread: 2,
  'history-instance': 2,
  search: 16,
  'search-system': 16,
  'history-type': 16,
  'history-system': 16,
  create: 1,
  update: 4,
  patch: 4,
  delete: 8,
};
function naiveDecide(scopes: readonly Scope[], request: FhirAccessRequest): boolean {
  const bit = LETTER[request.interaction] ?? 0;
  for (const scope of scopes) {
    if (scope.kind !== 'clinical') continue;
    if (request.contexts && !request.contexts.includes(scope.context)) continue;
    if (scope.resourceType !== '*' && scope.resourceType !== request.resourceType) continue;
    if (!(permissionMask(scope.permissions) & bit)) continue;
    if (scope.filters.length === 0) return true;
  }
  return false;
}

const parsedOnce = parseScopes(GRANT);
const grant = compileGrant(parsedOnce);
const decisions = REQUESTS.map((r) => decide(grant, r));
const allowed = decisions.filter((d) => d.allowed).length;
const ALLOWED = REQUESTS.filter((_, i) => decisions[i]?.allowed);
const DENIED = REQUESTS.filter((_, i) => !decisions[i]?.allowed);

function decideAll(requests: readonly FhirAccessRequest[]): () => unknown {
  return () => {
    let last;
    for (const request of requests) last = decide(grant, request);
    return last;
  };
}

const decideAllOf = (requests: readonly FhirAccessRequest[]) => decideAll(requests);
const cases: Case[] = [
  {
    name: 'parse (parseScopes, per scope)',
    perRun: SCOPE_COUNT,
    run: () => parseScopes(GRANT),
    goal: 200_000,
    wall: [],
    cpu: [],
  },
  {
    name: '  baseline: regex parser',
    perRun: SCOPE_COUNT,
    run: () => regexParse(GRANT),
    wall: [],
    cpu: [],
  },
  {
    name: 'decide (compiled 20-scope grant, mix)',
    perRun: REQUESTS.length,
    run: decideAllOf(REQUESTS),
    goal: 1_000_000,
    wall: [],
    cpu: [],
  },
  {
    name: '  of which allowed requests only',
    perRun: ALLOWED.length,
    run: decideAllOf(ALLOWED),
    wall: [],
    cpu: [],
  },
  {
    name: '  of which denied requests only',
    perRun: DENIED.length,
    run: decideAllOf(DENIED),
    wall: [],
    cpu: [],
  },
  {
    name: '  baseline: scan scopes, boolean only',
    perRun: REQUESTS.length,
    run: () => {
      let last;
      for (const request of REQUESTS) last = naiveDecide(parsedOnce, request);
      return last;
    },
    wall: [],
    cpu: [],
  },
  {
    name: 'compileGrant (20 scopes, per grant)',
    perRun: 1,
    run: () => compileGrant(parsedOnce),
    wall: [],
    cpu: [],
  },
];
measureAll(cases);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(
  `@bedside/scopes bench — node ${process.version}, ${ROUNDS} interleaved rounds × ${ROUND_MS} ms, median ops/s`,
);
console.log(
  `grant: ${SCOPE_COUNT} scopes; decide mix: ${REQUESTS.length} requests, ${allowed} allowed, ${REQUESTS.length - allowed} denied (granular search/read included)`,
);
console.log(`${''.padEnd(40)} ${'wall clock'.padStart(12)} ${'per CPU s'.padStart(12)}`);
for (const c of cases) {
  const wall = median(c.wall);
  const cpu = median(c.cpu);
  const verdict =
    c.goal === undefined
      ? ''
      : `  goal ≥ ${c.goal.toLocaleString('en-US')}: wall ${wall >= c.goal ? '✓' : '✗'}, CPU ${cpu >= c.goal ? '✓' : '✗'}`;
  console.log(`${c.name.padEnd(40)} ${fmt(wall)} ${fmt(cpu)}${verdict}`);
}
if (sink === Symbol.for('never')) console.log(sink);
