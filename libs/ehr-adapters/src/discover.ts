import {
  DiscoveryError,
  buildCapabilityStatementRequest,
  buildDiscoveryRequest,
  processCapabilityStatementResponse,
  processDiscoveryResponse,
} from '@bedside/smart-auth';

import type { FetchLike, SmartConfiguration } from '@bedside/smart-auth';

import { detectVendor, adapterFor } from './detect.js';

import type { AdapterOptions } from './generic/generic-adapter.js';
import type { Detection } from './detect.js';
import type { EhrAdapter, Vendor } from './types.js';

export interface DiscoverConnectionOptions {
  fetch?: FetchLike;
  /** The app's client id at this EHR (Epic endpoint overrides, row 2). */
  clientId?: string;
  /** The operator's vendor choice for this connection (wins over detection). */
  vendor?: Vendor;
  /** Registration settings handed to the adapter. */
  adapterOptions?: AdapterOptions;
}

export interface DiscoveredConnection {
  adapter: EhrAdapter;
  detection: Detection;
  /** The discovery document, with the vendor's documented gaps filled (rows 3, 24). */
  config: SmartConfiguration;
  /** The CapabilityStatement JSON. */
  capabilityStatement: Record<string, unknown> | undefined;
}

/**
 * Discovers a FHIR server and picks its adapter: reads `.well-known/smart-configuration` (JSON
 * `Accept`) and `/metadata` (FHIR JSON `Accept`: Epic serves XML without one, row 1; Oracle a
 * 406, row 42), both with the vendor's discovery headers (Epic-Client-ID, row 2); detects the
 * vendor from iss, both documents (ehr-quirks.md §6) unless the operator chose one; then lets the
 * adapter repair the discovery document. The CapabilityStatement's oauth-uris extension is the
 * fallback when the well-known document is unavailable (DISC-11), matched by its exact canonical
 * URL (athena's bogus duplicate, row 4).
 * See: SMART App Launch 2.2 §conformance.
 * @throws {DiscoveryError} when neither document yields a configuration.
 */
export async function discoverConnection(
  iss: string,
  options: DiscoverConnectionOptions = {},
): Promise<DiscoveredConnection> {
  const send: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const headerSource = adapterFor(options.vendor ?? 'epic');
  // Epic-Client-ID is harmless elsewhere but only sent when the vendor is Epic or unknown.
  const headers =
    options.vendor === undefined || options.vendor === 'epic'
      ? headerSource.discoveryHeaders(options.clientId ? { clientId: options.clientId } : {})
      : {};
  const withHeaders = (request: Request): Request => {
    for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
    return request;
  };

  const capabilityStatement = await readCapabilityStatement(
    send,
    withHeaders(buildCapabilityStatementRequest(iss)),
  );
  let config: SmartConfiguration;
  try {
    config = await processDiscoveryResponse(
      iss,
      await send(withHeaders(buildDiscoveryRequest(iss))),
    );
  } catch (error) {
    if (!(error instanceof DiscoveryError) || !capabilityStatement) throw error;
    config = await processCapabilityStatementResponse(
      iss,
      new Response(JSON.stringify(capabilityStatement), {
        headers: { 'Content-Type': 'application/fhir+json' },
      }),
    );
  }
  const detection = detectVendor({
    iss,
    smartConfiguration: config,
    ...(capabilityStatement ? { capabilityStatement } : {}),
    ...(options.vendor ? { override: options.vendor } : {}),
  });
  const adapter = adapterFor(detection, options.adapterOptions);
  return {
    adapter,
    detection,
    config: adapter.normalizeSmartConfiguration(config),
    capabilityStatement,
  };
}

async function readCapabilityStatement(
  send: FetchLike,
  request: Request,
): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await send(request);
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const body: unknown = await response.json();
    return typeof body === 'object' &&
      body !== null &&
      (body as { resourceType?: unknown }).resourceType === 'CapabilityStatement'
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the registered connection for a launch `iss`: an exact, byte-for-byte match (quirk row 9:
 * `aud` must be the iss exactly as received; row 6: the base with its tenant is the identity).
 * Call it before any discovery request: an unknown `iss` must not be contacted (LAUNCH-03).
 */
export function matchIssuer(iss: string, registered: Iterable<string>): string | undefined {
  for (const candidate of registered) if (candidate === iss) return candidate;
  return undefined;
}
