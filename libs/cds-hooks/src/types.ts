/**
 * CDS Hooks 2.0 wire types (https://cds-hooks.hl7.org/2.0/). Field names are the exact JSON keys.
 * Every object may carry `extension` (CDS Hooks 2.0 §Extensions) and unknown properties, which
 * are kept and ignored.
 */

/** A FHIR resource as carried in context, prefetch and actions; its content is not checked here. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

export interface FhirBundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  [key: string]: unknown;
}

/** A FHIR Bundle; `type` may be missing in hook contexts (Hook Library 1.0.1 examples omit it). */
export interface FhirBundle extends FhirResource {
  resourceType: 'Bundle';
  type?: string;
  entry?: FhirBundleEntry[];
}

/** `extension`: an object keyed by reverse-domain names (CDS Hooks 2.0 §Extensions). */
export type CdsExtension = Record<string, unknown>;

/** CDS Hooks 2.0 §Coding. `display` is required in `overrideReasons`, optional in `source.topic`. */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

// ---------------------------------------------------------------------------------------------
// Discovery (CDS Hooks 2.0 §Discovery)

export interface CdsServiceDefinition {
  hook: string;
  /** RECOMMENDED. */
  title?: string;
  description: string;
  /** The `{id}` in `{baseUrl}/cds-services/{id}`; unique together with `hook`. */
  id: string;
  /** Prefetch key → relative FHIR read or search, with `{{...}}` tokens. */
  prefetch?: Record<string, string>;
  /** Human-readable requirements (new in 2.0). */
  usageRequirements?: string;
  extension?: CdsExtension;
}

export interface CdsDiscoveryDocument {
  /** May be empty. */
  services: CdsServiceDefinition[];
  extension?: CdsExtension;
}

// ---------------------------------------------------------------------------------------------
// Request (CDS Hooks 2.0 §Calling a CDS Service)

/** CDS Hooks 2.0 §FHIR Resource Access. */
export interface FhirAuthorization {
  access_token: string;
  /** Fixed value `Bearer`. */
  token_type: string;
  expires_in: number;
  scope: string;
  /** The CDS Service's OAuth client_id at the CDS Client's authorization server. */
  subject: string;
  /** Patient the token is restricted to; SHOULD be present with `patient/` scopes (new in 2.0). */
  patient?: string;
  [key: string]: unknown;
}

/** Prefetch value: a resource, Bundle or OperationOutcome, or `null` for "no data". */
export type PrefetchValue = FhirResource | null;

export interface CdsServiceRequest<Context extends object = Record<string, unknown>> {
  hook: string;
  /** Unique per hook call (a UUID). */
  hookInstance: string;
  /** Required when `fhirAuthorization` is present. */
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: Context;
  prefetch?: Record<string, PrefetchValue>;
  extension?: CdsExtension;
}

// ---------------------------------------------------------------------------------------------
// Response (CDS Hooks 2.0 §CDS Service Response)

export const CardIndicator = { Info: 'info', Warning: 'warning', Critical: 'critical' } as const;
export type CardIndicator = (typeof CardIndicator)[keyof typeof CardIndicator];

export const SelectionBehavior = { AtMostOne: 'at-most-one', Any: 'any' } as const;
export type SelectionBehavior = (typeof SelectionBehavior)[keyof typeof SelectionBehavior];

export const ActionType = { Create: 'create', Update: 'update', Delete: 'delete' } as const;
export type ActionType = (typeof ActionType)[keyof typeof ActionType];

export const LinkType = { Absolute: 'absolute', Smart: 'smart' } as const;
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

export interface CdsSource {
  label: string;
  /** Absolute URL about the organisation or data set (not a drill-down: use a Link). */
  url?: string;
  /** Absolute URL of a 100x100 PNG without transparency. */
  icon?: string;
  /** New in 2.0. */
  topic?: Coding;
  extension?: CdsExtension;
}

/**
 * CDS Hooks 2.0 §Action. `create` carries `resource`; `update` carries the whole updated
 * `resource`; `delete` carries `resourceId` (`Type/id`). 1.0 put a delete's id string in
 * `resource`; validators still accept that (with a warning) and builders never emit it.
 */
export interface CdsAction {
  type: ActionType;
  description: string;
  resource?: FhirResource;
  resourceId?: string;
  extension?: CdsExtension;
}

/**
 * A top-level system action: the Action shape, but `description` may be missing on input
 * (the 2.0 examples omit it; 3.0 makes it optional). Builders always emit it.
 */
export type CdsSystemAction = Omit<CdsAction, 'description'> & { description?: string };

export interface CdsSuggestion {
  label: string;
  /** Needed for feedback: a suggestion without `uuid` is never reported as accepted. */
  uuid?: string;
  /** New in 2.0. */
  isRecommended?: boolean;
  /** All actions are applied together when the suggestion is chosen. */
  actions?: CdsAction[];
  extension?: CdsExtension;
}

export interface CdsLink {
  label: string;
  url: string;
  type: LinkType;
  /** Only on `smart` links; handed back verbatim in the launched app's token response. */
  appContext?: string;
  /** 2.0.1 text only: a hint that the client may launch the app without a click. */
  autolaunchable?: boolean;
  extension?: CdsExtension;
}

export interface CdsCard {
  /** Echoed as `feedback[].card`; a card without `uuid` gets no feedback. */
  uuid?: string;
  /** One sentence, fewer than 140 characters. */
  summary: string;
  /** GitHub-Flavoured Markdown. */
  detail?: string;
  indicator: CardIndicator;
  source: CdsSource;
  suggestions?: CdsSuggestion[];
  /** Required when `suggestions` is present. */
  selectionBehavior?: SelectionBehavior;
  /** Each Coding must have `display` (new in 2.0). */
  overrideReasons?: Coding[];
  links?: CdsLink[];
  extension?: CdsExtension;
}

export interface CdsResponse {
  /** May be empty: `{"cards": []}` means "no guidance". */
  cards: CdsCard[];
  /** Omitted when empty. */
  systemActions?: CdsSystemAction[];
  extension?: CdsExtension;
}

// ---------------------------------------------------------------------------------------------
// Feedback (CDS Hooks 2.0 §Feedback)

export const FeedbackOutcome = { Accepted: 'accepted', Overridden: 'overridden' } as const;
export type FeedbackOutcome = (typeof FeedbackOutcome)[keyof typeof FeedbackOutcome];

export interface CdsOverrideReason {
  /** One of the card's `overrideReasons`. */
  reason?: Coding;
  userComment?: string;
  extension?: CdsExtension;
}

export interface CdsFeedback {
  /** The card's `uuid`. */
  card: string;
  outcome: FeedbackOutcome;
  /** Required when `outcome` is `accepted`: the chosen suggestions' `uuid`s. */
  acceptedSuggestions?: { id: string }[];
  overrideReason?: CdsOverrideReason;
  /** UTC date-time, RFC 3339 §5.6. */
  outcomeTimestamp: string;
  extension?: CdsExtension;
}

export interface CdsFeedbackRequest {
  feedback: CdsFeedback[];
}
