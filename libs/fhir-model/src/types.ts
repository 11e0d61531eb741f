/**
 * FHIR R4 (4.0.1) data types used across Bedside. Hand-written subsets: every field named here
 * follows the R4 specification; resources keep unknown fields via the index signature so nothing
 * a server sends is lost. See: https://hl7.org/fhir/R4/datatypes.html
 */

export type FhirDateTime = string;
export type FhirDate = string;

export interface Coding {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
  userSelected?: boolean;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Identifier {
  use?: 'usual' | 'official' | 'temp' | 'secondary' | 'old';
  type?: CodeableConcept;
  system?: string;
  value?: string;
}

export interface Period {
  start?: FhirDateTime;
  end?: FhirDateTime;
}

export interface HumanName {
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
  period?: Period;
}

export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}

export interface Quantity {
  value?: number;
  comparator?: '<' | '<=' | '>=' | '>';
  unit?: string;
  system?: string;
  code?: string;
}

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  profile?: string[];
  tag?: Coding[];
}

export interface Resource {
  resourceType: string;
  id?: string;
  meta?: Meta;
  [element: string]: unknown;
}

export interface Patient extends Resource {
  resourceType: 'Patient';
  identifier?: Identifier[];
  active?: boolean;
  name?: HumanName[];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: FhirDate;
  deceasedBoolean?: boolean;
  deceasedDateTime?: FhirDateTime;
}

export interface Practitioner extends Resource {
  resourceType: 'Practitioner';
  identifier?: Identifier[];
  name?: HumanName[];
}

export interface Encounter extends Resource {
  resourceType: 'Encounter';
  status: string;
  class?: Coding;
  type?: CodeableConcept[];
  subject?: Reference;
  period?: Period;
}

export interface Observation extends Resource {
  resourceType: 'Observation';
  status: string;
  category?: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  encounter?: Reference;
  effectiveDateTime?: FhirDateTime;
  valueQuantity?: Quantity;
}

export interface Condition extends Resource {
  resourceType: 'Condition';
  clinicalStatus?: CodeableConcept;
  verificationStatus?: CodeableConcept;
  category?: CodeableConcept[];
  code?: CodeableConcept;
  subject: Reference;
  encounter?: Reference;
  onsetDateTime?: FhirDateTime;
  recordedDate?: FhirDateTime;
}

export interface MedicationRequest extends Resource {
  resourceType: 'MedicationRequest';
  status: string;
  intent: string;
  medicationCodeableConcept?: CodeableConcept;
  medicationReference?: Reference;
  subject: Reference;
  authoredOn?: FhirDateTime;
}

export interface AllergyIntolerance extends Resource {
  resourceType: 'AllergyIntolerance';
  clinicalStatus?: CodeableConcept;
  code?: CodeableConcept;
  patient: Reference;
  criticality?: 'low' | 'high' | 'unable-to-assess';
}

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** The subset of the R4 issue-type value set Bedside produces. */
export type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'security'
  | 'login'
  | 'unknown'
  | 'expired'
  | 'forbidden'
  | 'suppressed'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'not-found'
  | 'deleted'
  | 'too-long'
  | 'code-invalid'
  | 'conflict'
  | 'lock-error'
  | 'exception'
  | 'timeout'
  | 'throttled'
  | 'informational';

export interface OperationOutcomeIssue {
  severity: IssueSeverity;
  code: IssueType;
  details?: CodeableConcept;
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome extends Resource {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

export interface BundleLink {
  relation: string;
  url: string;
}

export interface BundleEntry<R extends Resource = Resource> {
  fullUrl?: string;
  resource?: R;
  search?: { mode?: 'match' | 'include' | 'outcome'; score?: number };
}

export interface Bundle<R extends Resource = Resource> extends Resource {
  resourceType: 'Bundle';
  type:
    | 'document'
    | 'message'
    | 'transaction'
    | 'transaction-response'
    | 'batch'
    | 'batch-response'
    | 'history'
    | 'searchset'
    | 'collection';
  total?: number;
  link?: BundleLink[];
  entry?: BundleEntry<R>[];
}
