/**
 * A seeded, deterministic generator of longitudinal US Core-shaped records. Patient `i` of seed
 * `s` is always the same (its own PRNG stream), so generating 50 then 10,000 patients only adds
 * the missing ones, and a re-run writes nothing.
 */
import type { Resource } from '@bedside/fhir-model';

import type { ResourceStore } from '../fhir/resource-store.js';

type R = Resource & { id: string };

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const UCUM = 'http://unitsofmeasure.org';
const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** mulberry32: small, fast, good enough for synthetic data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function streamFor(seed: number, index: number): () => number {
  return prng(Math.imul(seed ^ 0x9e3779b9, 2654435761) ^ Math.imul(index + 1, 40503));
}

const FAMILY = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Nguyen',
  'Patel',
  'Kim',
  'Chen',
  'Novak',
  'Okafor',
];
const GIVEN_F = [
  'Mary',
  'Patricia',
  'Jennifer',
  'Linda',
  'Elizabeth',
  'Barbara',
  'Susan',
  'Jessica',
  'Sarah',
  'Karen',
  'Lisa',
  'Nancy',
  'Betty',
  'Sandra',
  'Ashley',
  'Emily',
  'Maria',
  'Aisha',
  'Mei',
  'Sofia',
];
const GIVEN_M = [
  'James',
  'Robert',
  'John',
  'Michael',
  'David',
  'William',
  'Richard',
  'Joseph',
  'Thomas',
  'Charles',
  'Daniel',
  'Matthew',
  'Anthony',
  'Mark',
  'Steven',
  'Paul',
  'Andrew',
  'Jose',
  'Wei',
  'Omar',
];
const CITIES = [
  ['Boston', 'MA', '02118'],
  ['Springfield', 'IL', '62701'],
  ['Austin', 'TX', '78701'],
  ['Madison', 'WI', '53703'],
  ['Portland', 'OR', '97205'],
  ['Columbus', 'OH', '43215'],
] as const;

interface ConditionDef {
  key: string;
  snomed: string;
  icd10: string;
  display: string;
  prevalence: number;
}

const CONDITIONS: readonly ConditionDef[] = [
  {
    key: 'htn',
    snomed: '38341003',
    icd10: 'I10',
    display: 'Essential hypertension',
    prevalence: 0.32,
  },
  {
    key: 'dm2',
    snomed: '44054006',
    icd10: 'E11.9',
    display: 'Type 2 diabetes mellitus',
    prevalence: 0.14,
  },
  { key: 'hld', snomed: '55822004', icd10: 'E78.5', display: 'Hyperlipidemia', prevalence: 0.25 },
  { key: 'asthma', snomed: '195967001', icd10: 'J45.909', display: 'Asthma', prevalence: 0.08 },
  {
    key: 'ckd3',
    snomed: '433144002',
    icd10: 'N18.30',
    display: 'Chronic kidney disease stage 3',
    prevalence: 0.05,
  },
  { key: 'obesity', snomed: '414916001', icd10: 'E66.9', display: 'Obesity', prevalence: 0.2 },
];

const MEDS: Readonly<Record<string, { code: string; display: string }>> = {
  dm2: {
    code: '860975',
    display: 'metformin hydrochloride 500 MG Oral Tablet (24 HR extended release)',
  },
  htn: { code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
  statin: { code: '617312', display: 'atorvastatin 20 MG Oral Tablet' },
  asthma: { code: '745679', display: 'albuterol 0.09 MG/ACTUAT Metered Dose Inhaler' },
};

const SMOKING = [
  ['266919005', 'Never smoked tobacco'],
  ['8517006', 'Ex-smoker'],
  ['449868002', 'Smokes tobacco daily'],
] as const;

export interface GeneratorOptions {
  patients: number;
  seed: number;
  /** Patients per database batch. */
  batchSize?: number;
  /** First patient index (default 0). */
  offset?: number;
  /** Called after each batch with the patients done so far. */
  onProgress?: (done: number, resources: number) => void;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function coding(system: string, code: string, display: string) {
  return { system, code, display };
}

function quantity(value: number, unit: string, code = unit) {
  return { value, unit, system: UCUM, code };
}

function category(code: string, display: string) {
  return [{ coding: [coding(OBS_CAT, code, display)] }];
}

/** The shared care team of one seed: an organization, a location and practitioners. */
export function generateCareTeam(seed: number): R[] {
  const org = `syn-s${seed}-org`;
  const resources: R[] = [
    {
      resourceType: 'Organization',
      id: org,
      identifier: [
        { system: 'http://hl7.org/fhir/sid/us-npi', value: `19${pad(seed % 100)}000001` },
      ],
      active: true,
      name: `Bedside Community Health (seed ${seed})`,
      type: [
        {
          coding: [
            coding(
              'http://terminology.hl7.org/CodeSystem/organization-type',
              'prov',
              'Healthcare Provider',
            ),
          ],
        },
      ],
    },
    {
      resourceType: 'Location',
      id: `syn-s${seed}-loc`,
      status: 'active',
      name: 'Bedside Community Clinic',
      managingOrganization: { reference: `Organization/${org}` },
    },
  ];
  const random = streamFor(seed, -1);
  for (let k = 0; k < 20; k++) {
    const female = random() < 0.5;
    const given = (female ? GIVEN_F : GIVEN_M)[Math.floor(random() * 20)] as string;
    const family = FAMILY[Math.floor(random() * FAMILY.length)] as string;
    const id = `syn-s${seed}-prac-${k}`;
    resources.push(
      {
        resourceType: 'Practitioner',
        id,
        identifier: [
          { system: 'http://hl7.org/fhir/sid/us-npi', value: `29${pad(seed % 100)}${pad(k, 6)}` },
        ],
        active: true,
        name: [{ use: 'official', prefix: ['Dr.'], given: [given], family }],
        gender: female ? 'female' : 'male',
      },
      {
        resourceType: 'PractitionerRole',
        id: `${id}-role`,
        active: true,
        practitioner: { reference: `Practitioner/${id}` },
        organization: { reference: `Organization/${org}` },
        code: [{ coding: [coding(SNOMED, '446050000', 'Primary care physician')] }],
      },
    );
  }
  return resources;
}

/** Every resource of patient `index` of `seed`: the same output for the same inputs, always. */
export function generatePatient(seed: number, index: number, now = Date.UTC(2026, 10, 1)): R[] {
  const random = streamFor(seed, index);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const between = (low: number, high: number) => low + random() * (high - low);
  const pid = `syn-s${seed}-p${index}`;
  const subject = { reference: `Patient/${pid}` };
  const female = random() < 0.52;
  const given = pick(female ? GIVEN_F : GIVEN_M);
  const family = pick(FAMILY);
  const age = Math.floor(between(18, 90));
  const birth = new Date(now - age * 365.25 * 86_400_000 - Math.floor(random() * 365) * 86_400_000);
  const birthDate = birth.toISOString().slice(0, 10);
  const [city, state, postalCode] = pick(CITIES);
  const practitioner = `Practitioner/syn-s${seed}-prac-${Math.floor(random() * 20)}`;
  const out: R[] = [];
  out.push({
    resourceType: 'Patient',
    id: pid,
    meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: 'urn:oid:2.16.840.1.113883.3.9999.2',
        value: `S${seed}-${pad(index, 6)}`,
      },
    ],
    active: true,
    name: [{ use: 'official', family, given: [given] }],
    telecom: [{ system: 'phone', value: `555-${pad(index % 10000, 4)}`, use: 'home' }],
    gender: female ? 'female' : 'male',
    birthDate,
    address: [
      {
        line: [`${1 + Math.floor(random() * 999)} Main St`],
        city,
        state,
        postalCode,
        country: 'US',
      },
    ],
    generalPractitioner: [{ reference: practitioner }],
  });

  // Conditions: more likely with age; diabetes comes with hypertension and lipids more often.
  const ageFactor = 0.5 + age / 60;
  const has = new Set<string>();
  for (const def of CONDITIONS) {
    if (random() < def.prevalence * ageFactor) has.add(def.key);
  }
  const onStatin = has.has('hld') || has.has('dm2') ? random() < 0.8 : random() < 0.08;
  const smoking = pick(SMOKING);

  const encounterCount = 6 + Math.floor(random() * 9);
  const firstVisit = now - 5 * 365 * 86_400_000;
  const height = female ? between(152, 175) : between(165, 190);
  let weight = has.has('obesity') ? between(95, 130) : between(55, 95);
  let a1c = has.has('dm2') ? between(6.8, 9.5) : between(4.8, 5.8);
  const creatinineBase = has.has('ckd3') ? between(1.4, 2.2) : between(0.6, 1.1);

  for (const def of CONDITIONS) {
    if (!has.has(def.key)) continue;
    const onset = new Date(firstVisit - Math.floor(random() * 5 * 365) * 86_400_000);
    out.push({
      resourceType: 'Condition',
      id: `${pid}-cond-${def.key}`,
      meta: {
        profile: [
          'http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns',
        ],
      },
      clinicalStatus: {
        coding: [
          coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
        ],
      },
      verificationStatus: {
        coding: [
          coding(
            'http://terminology.hl7.org/CodeSystem/condition-ver-status',
            'confirmed',
            'Confirmed',
          ),
        ],
      },
      category: [
        {
          coding: [
            coding(
              'http://terminology.hl7.org/CodeSystem/condition-category',
              'problem-list-item',
              'Problem List Item',
            ),
          ],
        },
      ],
      code: {
        coding: [coding(SNOMED, def.snomed, def.display), coding(ICD10, def.icd10, def.display)],
        text: def.display,
      },
      subject,
      onsetDateTime: onset.toISOString().slice(0, 10),
      recordedDate: onset.toISOString().slice(0, 10),
    });
  }

  const medKeys = [
    ...(has.has('dm2') ? ['dm2'] : []),
    ...(has.has('htn') ? ['htn'] : []),
    ...(onStatin ? ['statin'] : []),
    ...(has.has('asthma') ? ['asthma'] : []),
  ];
  for (const key of medKeys) {
    const med = MEDS[key] as { code: string; display: string };
    out.push({
      resourceType: 'MedicationRequest',
      id: `${pid}-med-${key}`,
      status: 'active',
      intent: 'order',
      category: [
        {
          coding: [
            coding(
              'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
              'community',
              'Community',
            ),
          ],
        },
      ],
      medicationCodeableConcept: {
        coding: [coding(RXNORM, med.code, med.display)],
        text: med.display,
      },
      subject,
      authoredOn: new Date(firstVisit + Math.floor(random() * 365) * 86_400_000)
        .toISOString()
        .slice(0, 10),
      requester: { reference: practitioner },
      dosageInstruction: [{ text: 'Take as directed' }],
    });
  }

  if (random() < 0.3) {
    const peanut = random() < 0.4;
    out.push({
      resourceType: 'AllergyIntolerance',
      id: `${pid}-allergy`,
      clinicalStatus: {
        coding: [
          coding(
            'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
            'active',
            'Active',
          ),
        ],
      },
      verificationStatus: {
        coding: [
          coding(
            'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
            'confirmed',
            'Confirmed',
          ),
        ],
      },
      type: 'allergy',
      category: [peanut ? 'food' : 'medication'],
      criticality: peanut ? 'high' : 'low',
      code: peanut
        ? { coding: [coding(SNOMED, '91935009', 'Allergy to peanut')], text: 'Peanut' }
        : { coding: [coding(RXNORM, '7980', 'Penicillin G')], text: 'Penicillin' },
      patient: subject,
      recordedDate: new Date(firstVisit).toISOString().slice(0, 10),
    });
  }

  for (let e = 0; e < encounterCount; e++) {
    const start = new Date(
      firstVisit + ((e + random() * 0.8) / encounterCount) * (now - firstVisit),
    );
    start.setUTCHours(8 + Math.floor(random() * 9), Math.floor(random() * 4) * 15, 0, 0);
    const when = start.toISOString();
    const end = new Date(start.getTime() + 30 * 60_000).toISOString();
    const eid = `${pid}-enc-${e}`;
    const encounter = { reference: `Encounter/${eid}` };
    out.push({
      resourceType: 'Encounter',
      id: eid,
      status: 'finished',
      class: {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
        code: 'AMB',
        display: 'ambulatory',
      },
      type: [{ coding: [coding(SNOMED, '185349003', 'Encounter for check up (procedure)')] }],
      subject,
      participant: [{ individual: { reference: practitioner } }],
      period: { start: when, end },
      serviceProvider: { reference: `Organization/syn-s${seed}-org` },
    });
    weight = Math.max(40, weight + between(-2, 2));
    const bmi = weight / (height / 100) ** 2;
    const systolic = Math.round(
      (has.has('htn') ? between(130, 160) : between(105, 132)) + age / 10,
    );
    const diastolic = Math.round(has.has('htn') ? between(82, 98) : between(62, 84));
    const vital = (
      suffix: string,
      code: string,
      display: string,
      body: Record<string, unknown>,
    ): R => ({
      resourceType: 'Observation',
      id: `${eid}-${suffix}`,
      meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs'] },
      status: 'final',
      category: category('vital-signs', 'Vital Signs'),
      code: { coding: [coding(LOINC, code, display)], text: display },
      subject,
      encounter,
      effectiveDateTime: when,
      ...body,
    });
    out.push(
      vital('bp', '85354-9', 'Blood pressure panel with all children optional', {
        component: [
          {
            code: { coding: [coding(LOINC, '8480-6', 'Systolic blood pressure')] },
            valueQuantity: quantity(systolic, 'mm[Hg]'),
          },
          {
            code: { coding: [coding(LOINC, '8462-4', 'Diastolic blood pressure')] },
            valueQuantity: quantity(diastolic, 'mm[Hg]'),
          },
        ],
      }),
      vital('hr', '8867-4', 'Heart rate', {
        valueQuantity: quantity(Math.round(between(58, 96)), '/min'),
      }),
      vital('wt', '29463-7', 'Body weight', { valueQuantity: quantity(round(weight, 1), 'kg') }),
      vital('ht', '8302-2', 'Body height', { valueQuantity: quantity(round(height, 1), 'cm') }),
      vital('bmi', '39156-5', 'Body mass index (BMI) [Ratio]', {
        valueQuantity: quantity(round(bmi, 1), 'kg/m2'),
      }),
    );
    if (e === 0) {
      out.push({
        resourceType: 'Observation',
        id: `${eid}-smoking`,
        status: 'final',
        category: category('social-history', 'Social History'),
        code: {
          coding: [coding(LOINC, '72166-2', 'Tobacco smoking status')],
          text: 'Tobacco smoking status',
        },
        subject,
        encounter,
        effectiveDateTime: when,
        valueCodeableConcept: {
          coding: [coding(SNOMED, smoking[0], smoking[1])],
          text: smoking[1],
        },
      });
    }
    const lab = (
      suffix: string,
      code: string,
      display: string,
      value: number,
      unit: string,
      range: { low?: number; high?: number },
    ): R => ({
      resourceType: 'Observation',
      id: `${eid}-${suffix}`,
      meta: {
        profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab'],
      },
      status: 'final',
      category: category('laboratory', 'Laboratory'),
      code: { coding: [coding(LOINC, code, display)], text: display },
      subject,
      encounter,
      effectiveDateTime: when,
      issued: end,
      valueQuantity: quantity(value, unit),
      referenceRange: [
        {
          ...(range.low === undefined ? {} : { low: quantity(range.low, unit) }),
          ...(range.high === undefined ? {} : { high: quantity(range.high, unit) }),
        },
      ],
      interpretation:
        (range.high !== undefined && value > range.high) ||
        (range.low !== undefined && value < range.low)
          ? [
              {
                coding: [
                  coding(
                    'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
                    value > (range.high ?? Infinity) ? 'H' : 'L',
                    value > (range.high ?? Infinity) ? 'High' : 'Low',
                  ),
                ],
              },
            ]
          : undefined,
    });
    const labs: R[] = [];
    if (has.has('dm2') || e % 3 === 0) {
      a1c = Math.max(4.5, a1c + between(-0.4, 0.3));
      labs.push(
        lab('a1c', '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', round(a1c, 1), '%', {
          high: 5.6,
        }),
      );
    }
    if (e % 2 === 0) {
      const total = Math.round(onStatin ? between(150, 210) : between(170, 260));
      const hdl = Math.round(between(35, 75));
      const tg = Math.round(between(70, 220));
      const ldl = Math.max(40, Math.round(total - hdl - tg / 5));
      labs.push(
        lab('chol', '2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', total, 'mg/dL', {
          high: 200,
        }),
        lab('hdl', '2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', hdl, 'mg/dL', {
          low: 40,
        }),
        lab(
          'ldl',
          '18262-6',
          'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay',
          ldl,
          'mg/dL',
          { high: 100 },
        ),
        lab('tg', '2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma', tg, 'mg/dL', {
          high: 150,
        }),
      );
      const creatinine = round(creatinineBase + between(-0.1, 0.1), 2);
      const egfr = Math.round(
        Math.min(
          120,
          141 *
            Math.min(creatinine / (female ? 0.7 : 0.9), 1) ** -0.329 *
            Math.max(creatinine / (female ? 0.7 : 0.9), 1) ** -1.209 *
            0.993 ** age,
        ),
      );
      labs.push(
        lab('creat', '2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', creatinine, 'mg/dL', {
          low: 0.6,
          high: 1.2,
        }),
        lab(
          'egfr',
          '33914-3',
          'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)',
          egfr,
          'mL/min/{1.73_m2}',
          { low: 60 },
        ),
      );
      out.push({
        resourceType: 'DiagnosticReport',
        id: `${eid}-lipid`,
        status: 'final',
        category: [
          {
            coding: [coding('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
          },
        ],
        code: {
          coding: [coding(LOINC, '57698-3', 'Lipid panel with direct LDL - Serum or Plasma')],
        },
        subject,
        encounter,
        effectiveDateTime: when,
        issued: end,
        result: ['chol', 'hdl', 'ldl', 'tg'].map((s) => ({ reference: `Observation/${eid}-${s}` })),
      });
    }
    for (const item of labs) {
      if (item['interpretation'] === undefined) delete item['interpretation'];
    }
    out.push(...labs);
    if (e === encounterCount - 1 || random() < 0.15) {
      out.push({
        resourceType: 'Immunization',
        id: `${eid}-flu`,
        status: 'completed',
        vaccineCode: {
          coding: [coding(CVX, '140', 'Influenza, seasonal, injectable, preservative free')],
        },
        patient: subject,
        encounter,
        occurrenceDateTime: when,
        primarySource: true,
      });
    }
  }
  return out;
}

/**
 * Writes patients `offset .. offset+patients-1` of `seed` (and the seed's care team) with bulk
 * inserts, skipping patients already present: idempotent and incremental.
 * @returns patients written and resources written.
 */
export async function generateIntoStore(
  store: ResourceStore,
  options: GeneratorOptions,
): Promise<{ patients: number; resources: number }> {
  const { seed } = options;
  const offset = options.offset ?? 0;
  const batchSize = options.batchSize ?? 25;
  const team = generateCareTeam(seed);
  const teamPresent = await store.existingIds('Organization', [team[0]?.id as string]);
  let resources = teamPresent.size === 0 ? await store.bulkLoad(team) : 0;
  let patients = 0;
  let done = 0;
  // Two writers: while one batch is inserted, the next is generated and sent on the other
  // connection (PostgreSQL and Node each keep a core busy).
  const inFlight = new Set<Promise<void>>();
  for (let start = offset; start < offset + options.patients; start += batchSize) {
    const end = Math.min(offset + options.patients, start + batchSize);
    const ids = Array.from({ length: end - start }, (_, k) => `syn-s${seed}-p${start + k}`);
    const present = await store.existingIds('Patient', ids);
    const batch: R[] = [];
    for (let index = start; index < end; index++) {
      if (present.has(`syn-s${seed}-p${index}`)) continue;
      batch.push(...generatePatient(seed, index));
      patients += 1;
    }
    const write = store.bulkLoad(batch).then((written) => {
      resources += written;
      done += end - start;
      options.onProgress?.(done, resources);
    });
    const tracked = write.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { patients, resources };
}
