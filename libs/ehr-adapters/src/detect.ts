import type { SmartConfiguration } from '@bedside/smart-auth';

import { AthenaAdapter } from './athena/athena-adapter.js';
import { EcwAdapter } from './ecw/ecw-adapter.js';
import { EpicAdapter } from './epic/epic-adapter.js';
import { GenericAdapter } from './generic/generic-adapter.js';
import { OracleAdapter } from './oracle/oracle-adapter.js';
import { Vendor } from './types.js';

import type { AdapterOptions } from './generic/generic-adapter.js';
import type { EhrAdapter } from './types.js';

/** Where a detection signal was read. */
export type SignalSource =
  | 'iss'
  | 'smart-configuration'
  | 'capability-statement'
  | 'token-response';

export interface DetectionSignal {
  vendor: Exclude<Vendor, 'generic'>;
  source: SignalSource;
  detail: string;
  /** How strongly the signal identifies the vendor (1 weak … 3 unambiguous). */
  weight: number;
}

export interface DetectionInput {
  /** The launch `iss` / FHIR base. */
  iss?: string;
  /** The discovery document (smart-auth `SmartConfiguration` or its raw JSON). */
  smartConfiguration?: SmartConfiguration | Readonly<Record<string, unknown>>;
  /** The `/metadata` CapabilityStatement JSON. */
  capabilityStatement?: Readonly<Record<string, unknown>>;
  /** The token response JSON (vendor extras). */
  tokenResponse?: Readonly<Record<string, unknown>>;
  /** The operator's choice for this connection: wins over every signal. */
  override?: Vendor;
}

export interface Detection {
  vendor: Vendor;
  /** Every signal seen, strongest first. */
  signals: DetectionSignal[];
  /** `override` when the operator chose, `signals` when detected, `default` for generic. */
  basis: 'override' | 'signals' | 'default';
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * Guesses the EHR vendor from the signals of ehr-quirks.md §6: the shape of `iss`, the discovery
 * document, the CapabilityStatement's software/publisher and the token response's extras. The
 * result is advisory: behaviour is chosen from capabilities first, and an operator override per
 * connection wins. Unknown servers are `generic`.
 */
export function detectVendor(input: DetectionInput): Detection {
  const signals = collectSignals(input).sort((a, b) => b.weight - a.weight);
  if (input.override) return { vendor: input.override, signals, basis: 'override' };
  const scores = new Map<Vendor, number>();
  for (const signal of signals) {
    scores.set(signal.vendor, (scores.get(signal.vendor) ?? 0) + signal.weight);
  }
  let best: Vendor = Vendor.Generic;
  let bestScore = 0;
  for (const [vendor, score] of scores) {
    if (score > bestScore) {
      best = vendor;
      bestScore = score;
    }
  }
  return { vendor: best, signals, basis: bestScore > 0 ? 'signals' : 'default' };
}

function collectSignals(input: DetectionInput): DetectionSignal[] {
  const signals: DetectionSignal[] = [];
  const add = (
    vendor: DetectionSignal['vendor'],
    source: SignalSource,
    detail: string,
    weight: number,
  ) => signals.push({ vendor, source, detail, weight });

  if (input.iss) {
    const iss = input.iss;
    if (/\/api\/FHIR\/(R4|STU3|DSTU2)\/?$/i.test(iss)) add('epic', 'iss', 'path …/api/FHIR/R4', 2);
    if (
      new RegExp(`^https://fhir-(ehr|myrecord|open|ehr-code)\\.cerner\\.com/r4/${UUID}`, 'i').test(
        iss,
      )
    ) {
      add('oracle', 'iss', 'fhir-*.cerner.com/r4/<tenant>', 3);
    } else if (new RegExp(`/r4/${UUID}/?$`, 'i').test(iss)) {
      add('oracle', 'iss', 'path /r4/<tenant uuid>', 1);
    }
    if (/^https:\/\/api(\.preview)?\.platform\.athenahealth\.com\/fhir\/r4\/?$/i.test(iss)) {
      add('athena', 'iss', 'api.platform.athenahealth.com/fhir/r4', 3);
    }
    if (
      /^https:\/\/[^/]*(healow|eclinicalworks|ecwcloud)\.com\/fhir\/r4\/[A-Za-z0-9]{4,12}\/?$/i.test(
        iss,
      )
    ) {
      add('ecw', 'iss', 'healow/eclinicalworks host with /fhir/r4/<practice>', 3);
    } else if (/\/fhir\/r4\/[A-Z0-9]{4,12}\/?$/.test(iss)) {
      add('ecw', 'iss', 'path /fhir/r4/<practice code>', 1);
    }
  }

  const smart = readSmartDocument(input.smartConfiguration);
  if (smart) {
    const scopes = asStrings(smart['scopes_supported']);
    if (scopes.some((scope) => scope.startsWith('epic.'))) {
      add('epic', 'smart-configuration', 'scopes_supported has epic.* scopes', 3);
    }
    const authorize = String(smart['authorization_endpoint'] ?? '');
    const token = String(smart['token_endpoint'] ?? '');
    if (/authorization\.cerner\.com/i.test(authorize + token)) {
      add('oracle', 'smart-configuration', 'authorization.cerner.com endpoints', 3);
    } else if (/\/personas\/(provider|patient|system)\//i.test(authorize)) {
      add('oracle', 'smart-configuration', 'persona-specific authorize endpoint', 2);
    }
    if (
      /okta\.com/i.test(String(smart['issuer'] ?? '')) &&
      /athena/i.test(String(smart['issuer'] ?? '') + authorize)
    ) {
      add('athena', 'smart-configuration', 'athena Okta issuer', 3);
    }
    // §6 "auth host": Okta's `/oauth2/v1/authorize` (athena), `/oauth/oauth2/authorize` (eCW).
    const authorizePath = pathOf(authorize);
    if (/\/oauth2\/v1\/authorize$/.test(authorizePath)) {
      add('athena', 'smart-configuration', 'Okta-style /oauth2/v1/authorize', 2);
    }
    if (/\/oauth\/oauth2\/authorize$/.test(authorizePath)) {
      add('ecw', 'smart-configuration', 'eCW-style /oauth/oauth2/authorize', 2);
    }
    if ('token_endpoint_auth_methods' in smart) {
      add('athena', 'smart-configuration', 'non-standard token_endpoint_auth_methods key', 2);
    }
    if (/oauthserver\.eclinicalworks\.com/i.test(authorize + token)) {
      add('ecw', 'smart-configuration', 'oauthserver.eclinicalworks.com endpoints', 3);
    }
  }

  const metadata = input.capabilityStatement;
  if (metadata) {
    const software = readObject(metadata['software']);
    const name = String(software?.['name'] ?? '');
    const publisher = String(metadata['publisher'] ?? '');
    if (/^epic$/i.test(name) || /^epic\b/i.test(publisher)) {
      add('epic', 'capability-statement', `software.name ${name || publisher}`, 3);
    }
    if (/cerner|oracle health/i.test(publisher) || /millennium/i.test(name)) {
      add('oracle', 'capability-statement', `publisher ${publisher || name}`, 3);
    }
    if (/athenahealth/i.test(name) || /athenahealth/i.test(publisher)) {
      add('athena', 'capability-statement', `software.name ${name || publisher}`, 3);
    }
    if (/eclinicalworks|healow/i.test(name + publisher)) {
      add('ecw', 'capability-statement', `software ${name || publisher}`, 3);
    }
  }

  const token = input.tokenResponse;
  if (token) {
    if ('__epic.dstu2.patient' in token || 'loginDepartment' in token) {
      add('epic', 'token-response', '__epic.dstu2.patient / loginDepartment', 3);
    }
    if ('user' in token && 'username' in token && 'tenant' in token) {
      add('oracle', 'token-response', 'user + username + tenant', 2);
    }
    if ('ah_practice' in token || 'ah_department' in token) {
      add('athena', 'token-response', 'ah_practice', 3);
    }
  }
  return signals;
}

function readSmartDocument(
  value: DetectionInput['smartConfiguration'],
): Readonly<Record<string, unknown>> | undefined {
  if (!value) return undefined;
  const raw = (value as { raw?: unknown }).raw;
  const source = (value as { source?: unknown }).source;
  if (typeof raw === 'object' && raw !== null && source === 'well-known') {
    return { ...(value as Record<string, unknown>), ...(raw as Record<string, unknown>) };
  }
  return value as Readonly<Record<string, unknown>>;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

function readObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/**
 * The adapter for a vendor (or a detection result), configured with the connection's
 * registration settings.
 */
export function adapterFor(vendor: Vendor | Detection, options: AdapterOptions = {}): EhrAdapter {
  const name = typeof vendor === 'string' ? vendor : vendor.vendor;
  switch (name) {
    case Vendor.Epic:
      return new EpicAdapter(options);
    case Vendor.Oracle:
      return new OracleAdapter(options);
    case Vendor.Athena:
      return new AthenaAdapter(options);
    case Vendor.Ecw:
      return new EcwAdapter(options);
    case Vendor.Generic:
      return new GenericAdapter(options);
  }
}
