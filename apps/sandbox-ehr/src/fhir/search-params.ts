/**
 * The search parameters this server supports, per resource type (a subset of FHIR R4's, with
 * R4's names and expressions), and how each resource's values are extracted into the index
 * tables on write. See: FHIR R4 §search, §searchparameter-registry.
 */
import type { Resource } from '@bedside/fhir-model';

export type SearchParamType = 'token' | 'string' | 'date' | 'reference';

export interface SearchParamDefinition {
  readonly type: SearchParamType;
  /** Dotted element paths (arrays are walked); choice types are listed one by one. */
  readonly paths: readonly string[];
  /** Reference parameters: the types the reference may point at. */
  readonly targets?: readonly string[];
}

type Definitions = Readonly<Record<string, SearchParamDefinition>>;

const token = (...paths: string[]): SearchParamDefinition => ({ type: 'token', paths });
const string = (...paths: string[]): SearchParamDefinition => ({ type: 'string', paths });
const date = (...paths: string[]): SearchParamDefinition => ({ type: 'date', paths });
const reference = (targets: string[], ...paths: string[]): SearchParamDefinition => ({
  type: 'reference',
  paths,
  targets,
});

const identifier = token('identifier');
const patientSubject = reference(['Patient'], 'subject');
const patientOf = (path: string) => reference(['Patient'], path);
const encounter = reference(['Encounter'], 'encounter');
const humanName = {
  name: string('name'),
  family: string('name.family'),
  given: string('name.given'),
};
const effective = date('effectiveDateTime', 'effectivePeriod', 'effectiveInstant');

/** FHIR R4 search parameters per resource type. `_id` and `_lastUpdated` apply to all. */
export const searchParameters: Readonly<Record<string, Definitions>> = {
  Patient: {
    identifier,
    ...humanName,
    birthdate: date('birthDate'),
    gender: token('gender'),
    active: token('active'),
    'general-practitioner': reference(
      ['Practitioner', 'PractitionerRole', 'Organization'],
      'generalPractitioner',
    ),
    organization: reference(['Organization'], 'managingOrganization'),
    'address-postalcode': string('address.postalCode'),
  },
  Practitioner: { identifier, ...humanName, gender: token('gender'), active: token('active') },
  PractitionerRole: {
    identifier,
    practitioner: reference(['Practitioner'], 'practitioner'),
    organization: reference(['Organization'], 'organization'),
    location: reference(['Location'], 'location'),
    role: token('code'),
    specialty: token('specialty'),
  },
  Organization: { identifier, name: string('name', 'alias'), type: token('type') },
  Location: {
    identifier,
    name: string('name', 'alias'),
    status: token('status'),
    organization: reference(['Organization'], 'managingOrganization'),
  },
  Encounter: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group'], 'subject'),
    status: token('status'),
    class: token('class'),
    type: token('type'),
    date: date('period'),
    participant: reference(['Practitioner', 'PractitionerRole'], 'participant.individual'),
    'service-provider': reference(['Organization'], 'serviceProvider'),
  },
  Observation: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group', 'Location'], 'subject'),
    category: token('category'),
    code: token('code'),
    date: effective,
    status: token('status'),
    encounter,
    performer: reference(['Practitioner', 'Organization', 'PractitionerRole'], 'performer'),
  },
  Condition: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group'], 'subject'),
    category: token('category'),
    code: token('code'),
    'clinical-status': token('clinicalStatus'),
    'verification-status': token('verificationStatus'),
    'onset-date': date('onsetDateTime', 'onsetPeriod'),
    'recorded-date': date('recordedDate'),
    encounter,
  },
  MedicationRequest: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group'], 'subject'),
    status: token('status'),
    intent: token('intent'),
    category: token('category'),
    code: token('medicationCodeableConcept'),
    authoredon: date('authoredOn'),
    encounter,
    requester: reference(['Practitioner', 'PractitionerRole', 'Organization'], 'requester'),
  },
  AllergyIntolerance: {
    identifier,
    patient: patientOf('patient'),
    'clinical-status': token('clinicalStatus'),
    'verification-status': token('verificationStatus'),
    category: token('category'),
    code: token('code'),
    criticality: token('criticality'),
    date: date('recordedDate'),
  },
  DiagnosticReport: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group', 'Location'], 'subject'),
    category: token('category'),
    code: token('code'),
    date: effective,
    status: token('status'),
    encounter,
    result: reference(['Observation'], 'result'),
  },
  Immunization: {
    identifier,
    patient: patientOf('patient'),
    status: token('status'),
    date: date('occurrenceDateTime'),
    'vaccine-code': token('vaccineCode'),
  },
  Procedure: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group'], 'subject'),
    code: token('code'),
    category: token('category'),
    date: date('performedDateTime', 'performedPeriod'),
    status: token('status'),
    encounter,
  },
  ServiceRequest: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group', 'Location'], 'subject'),
    code: token('code'),
    category: token('category'),
    status: token('status'),
    intent: token('intent'),
    authored: date('authoredOn'),
    encounter,
    requester: reference(['Practitioner', 'PractitionerRole', 'Organization'], 'requester'),
  },
  DocumentReference: {
    identifier,
    patient: patientSubject,
    subject: reference(['Patient', 'Group'], 'subject'),
    type: token('type'),
    category: token('category'),
    date: date('date'),
    status: token('status'),
    encounter: reference(['Encounter'], 'context.encounter'),
    period: date('context.period'),
  },
  Coverage: {
    identifier,
    patient: patientOf('beneficiary'),
    beneficiary: reference(['Patient'], 'beneficiary'),
    status: token('status'),
    payor: reference(['Organization', 'Patient', 'RelatedPerson'], 'payor'),
  },
  Device: {
    identifier,
    patient: patientOf('patient'),
    type: token('type'),
    status: token('status'),
  },
  Group: {
    identifier,
    type: token('type'),
    code: token('code'),
    member: reference(['Patient', 'Practitioner', 'Group'], 'member.entity'),
  },
};

/** Every resource type this server stores and serves. */
export const supportedResourceTypes: readonly string[] = Object.keys(searchParameters);

/**
 * Where each type points at its patient (the Patient compartment, FHIR R4 compartmentdefinition-
 * patient, subset). Types absent here are in no patient compartment.
 */
export const compartmentPath: Readonly<Record<string, string>> = {
  Encounter: 'subject',
  Observation: 'subject',
  Condition: 'subject',
  MedicationRequest: 'subject',
  AllergyIntolerance: 'patient',
  DiagnosticReport: 'subject',
  Immunization: 'patient',
  Procedure: 'subject',
  ServiceRequest: 'subject',
  DocumentReference: 'subject',
  Device: 'patient',
  Coverage: 'beneficiary',
};

export interface IndexRows {
  tokens: { param: string; system: string; code: string }[];
  strings: { param: string; value: string; exact: string }[];
  dates: { param: string; low: Date; high: Date }[];
  references: { param: string; targetType: string; targetId: string }[];
  /** The compartment's patient id, or null. */
  patientId: string | null;
}

/** Values at a dotted path, arrays flattened at each step. */
export function valuesAt(resource: unknown, path: string): unknown[] {
  let current: unknown[] = [resource];
  for (const step of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      const value = (item as Record<string, unknown>)[step];
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) next.push(...(value as unknown[]));
      else next.push(value);
    }
    current = next;
  }
  return current;
}

/** Lower case without diacritics: string search is case- and accent-insensitive (FHIR R4 §search 3.1.1.5.7). */
export function normalizeString(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** `Patient/123`, `http://x/fhir/Patient/123` or `Patient/123/_history/2` → type and id. */
export function parseReferenceValue(
  value: string,
): { targetType: string; targetId: string } | undefined {
  const withoutHistory = value.replace(/\/_history\/[^/]+$/, '');
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(withoutHistory);
  if (!match) return undefined;
  return { targetType: match[1] as string, targetId: match[2] as string };
}

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The period a FHIR date, dateTime or instant covers, at its precision: `2020` is the whole year,
 * `2020-03-01` the whole day. Values without a time zone are taken as UTC.
 * @returns undefined when the text is not a FHIR date.
 */
export function dateRange(text: string): { low: Date; high: Date } | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo) - 1;
  const day = d === undefined ? undefined : Number(d);
  if (month !== undefined && (month < 0 || month > 11)) return undefined;
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  const offsetMs = zone && zone !== 'Z' ? zoneOffset(zone) : 0;
  if (h !== undefined) {
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    const low = Date.UTC(year, month ?? 0, day ?? 1, Number(h), Number(mi), Number(s ?? 0), ms);
    const span = s === undefined ? 60_000 : frac ? 1 : 1000;
    const start = low - offsetMs;
    return { low: new Date(start), high: new Date(start + span - 1) };
  }
  if (day !== undefined) {
    const low = Date.UTC(year, month ?? 0, day);
    return { low: new Date(low), high: new Date(low + 86_400_000 - 1) };
  }
  if (month !== undefined) {
    return {
      low: new Date(Date.UTC(year, month, 1)),
      high: new Date(Date.UTC(year, month + 1, 1) - 1),
    };
  }
  return { low: new Date(Date.UTC(year, 0, 1)), high: new Date(Date.UTC(year + 1, 0, 1) - 1) };
}

function zoneOffset(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':');
  return sign * (Number(hh) * 60 + Number(mm)) * 60_000;
}

const FAR_PAST = new Date(Date.UTC(1, 0, 1));
const FAR_FUTURE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

function datesOf(value: unknown): { low: Date; high: Date }[] {
  if (typeof value === 'string') {
    const range = dateRange(value);
    return range ? [range] : [];
  }
  if (typeof value === 'object' && value !== null) {
    const { start, end } = value as { start?: unknown; end?: unknown };
    if (typeof start !== 'string' && typeof end !== 'string') return [];
    const low = typeof start === 'string' ? dateRange(start)?.low : FAR_PAST;
    const high = typeof end === 'string' ? dateRange(end)?.high : FAR_FUTURE;
    return low && high ? [{ low, high }] : [];
  }
  return [];
}

function tokensOf(value: unknown): { system: string; code: string }[] {
  if (typeof value === 'string') return [{ system: '', code: value }];
  if (typeof value === 'boolean') return [{ system: '', code: String(value) }];
  if (typeof value !== 'object' || value === null) return [];
  const object = value as Record<string, unknown>;
  if (Array.isArray(object['coding'])) return (object['coding'] as unknown[]).flatMap(tokensOf);
  const system = typeof object['system'] === 'string' ? object['system'] : '';
  if (typeof object['code'] === 'string') return [{ system, code: object['code'] }];
  if (typeof object['value'] === 'string') return [{ system, code: object['value'] }];
  return [];
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  const object = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['text', 'family', 'given', 'prefix', 'suffix', 'line', 'city', 'state']) {
    const part = object[key];
    if (typeof part === 'string') parts.push(part);
    else if (Array.isArray(part))
      parts.push(...part.filter((p): p is string => typeof p === 'string'));
  }
  return parts;
}

/** The patient whose compartment holds `resource`, if any. */
export function compartmentPatient(resource: Resource): string | null {
  if (resource.resourceType === 'Patient') return resource.id ?? null;
  const path = compartmentPath[resource.resourceType];
  if (!path) return null;
  for (const value of valuesAt(resource, path)) {
    const ref = (value as { reference?: unknown }).reference;
    if (typeof ref !== 'string') continue;
    const parsed = parseReferenceValue(ref);
    if (parsed?.targetType === 'Patient') return parsed.targetId;
  }
  return null;
}

/** Extracts every searchable value of `resource` for the index tables. */
export function extractIndexRows(resource: Resource): IndexRows {
  const rows: IndexRows = {
    tokens: [],
    strings: [],
    dates: [],
    references: [],
    patientId: compartmentPatient(resource),
  };
  const definitions = searchParameters[resource.resourceType] ?? {};
  const seen = new Set<string>();
  const once = (key: string) => (seen.has(key) ? false : (seen.add(key), true));
  const compartment = compartmentPath[resource.resourceType];
  for (const [param, definition] of Object.entries(definitions)) {
    // `patient` is answered by the compartment column (fhir_resource.patientId).
    if (param === 'patient' && definition.paths[0] === compartment) continue;
    for (const path of definition.paths) {
      for (const value of valuesAt(resource, path)) {
        switch (definition.type) {
          case 'token':
            for (const t of tokensOf(value)) {
              if (once(`t\0${param}\0${t.system}\0${t.code}`)) rows.tokens.push({ param, ...t });
            }
            break;
          case 'string':
            for (const s of stringsOf(value)) {
              if (once(`s\0${param}\0${s}`)) {
                rows.strings.push({ param, value: normalizeString(s), exact: s });
              }
            }
            break;
          case 'date':
            for (const d of datesOf(value)) {
              if (once(`d\0${param}\0${d.low.getTime()}\0${d.high.getTime()}`)) {
                rows.dates.push({ param, ...d });
              }
            }
            break;
          case 'reference': {
            const ref = (value as { reference?: unknown }).reference;
            const parsed = typeof ref === 'string' ? parseReferenceValue(ref) : undefined;
            if (parsed && once(`r\0${param}\0${parsed.targetType}\0${parsed.targetId}`)) {
              rows.references.push({ param, ...parsed });
            }
            break;
          }
        }
      }
    }
  }
  return rows;
}
