import type { SmartConfiguration } from '@bedside/smart-auth';

import { MissingSearchParameterError } from '../errors.js';
import { GenericAdapter } from '../generic/generic-adapter.js';
import { Vendor } from '../types.js';

import type { SearchRule } from '../generic/generic-adapter.js';
import type {
  PagingPolicy,
  RateLimitPolicy,
  RefreshPolicy,
  SearchPlanContext,
  WriteInteraction,
} from '../types.js';

/** The search parameter that routes a request to one practice (A3). */
export const AH_PRACTICE_PARAM = 'ah-practice';

/**
 * athenahealth athenaOne (ehr-quirks.md §4). Differences from plain SMART, each with its row of
 * the §7 table.
 */
export class AthenaAdapter extends GenericAdapter {
  override readonly vendor = Vendor.Athena;
  override readonly quirkRows: readonly number[] = [3, 4, 7, 16, 18, 20, 24, 28, 35, 37, 45, 46];
  // Row 28: refresh is reported to need the granted `scope`; Okta may rotate the refresh token.
  override readonly refresh: RefreshPolicy = {
    rotation: 'optional',
    sendScopeOnRefresh: true,
    minIntervalSeconds: 0,
    publicClientsGetRefreshTokens: true,
  };
  // Row 46: token endpoint 50/min in production (5/min preview) (A1).
  override readonly rateLimit: RateLimitPolicy = {
    tokenRequestsPerMinute: 50,
    defaultRetryAfterSeconds: 60,
  };
  override readonly paging: PagingPolicy = {
    duplicatesAcrossPages: true, // row 37: opaque `cursor` paging (A2)
    restartOnExpiredSession: false,
    maxCount: {},
    partialDataCodes: [],
  };
  // Row 16: wildcards fail the Okta policy (O9).
  protected override readonly acceptsWildcardScopes: boolean = false;
  protected override readonly searchRules: Readonly<Record<string, SearchRule>> = {
    // Row 35: MedicationRequest "use with patient and intent" (A2); clients add intent=order,plan.
    MedicationRequest: { patient: true, defaults: { intent: 'order,plan' }, row: 35 },
    // Row 35: Immunization "use with patient" (A2).
    Immunization: { patient: true, row: 35 },
  };

  /** Row 3: `code_challenge_methods_supported` was missing (Nov 2023) though S256 works. */
  override normalizeSmartConfiguration(config: SmartConfiguration): SmartConfiguration {
    if (config.code_challenge_methods_supported.length > 0) return config;
    return { ...config, code_challenge_methods_supported: ['S256'] };
  }

  /**
   * Row 7/20: the practice comes from the token response's `ah_practice`, else from the claim of
   * the same name in the (JWT) access token. Decoding it is only a routing hint: the server still
   * enforces the practice, so nothing is trusted from an unverified token.
   */
  protected override tenantFrom(body: Record<string, unknown>, _base: string): string | undefined {
    const direct = body['ah_practice'];
    if (typeof direct === 'string' && direct !== '') return stripOrganization(direct);
    const token = body['access_token'];
    const claim = typeof token === 'string' ? readJwtClaim(token, 'ah_practice') : undefined;
    return typeof claim === 'string' && claim !== '' ? stripOrganization(claim) : undefined;
  }

  /** Row 7: one global base; every search names its practice with `ah-practice`. */
  protected override addRoutingParams(params: URLSearchParams, context: SearchPlanContext): void {
    if (params.has(AH_PRACTICE_PARAM)) return;
    if (!context.tenant) {
      throw new MissingSearchParameterError(
        'athenahealth needs the practice (ah-practice) on every search (row 7); the launch context has none',
      );
    }
    params.set(AH_PRACTICE_PARAM, `Organization/${context.tenant}`);
  }

  /** Row 45: athena's FHIR surface is read-only except QuestionnaireResponse create (A2). */
  override supportsWrite(resourceType: string, interaction: WriteInteraction): boolean {
    return resourceType === 'QuestionnaireResponse' && interaction === 'create';
  }
}

function stripOrganization(value: string): string {
  return value.replace(/^Organization\//, '');
}

/** Reads one claim of a JWT payload without verifying it; undefined for opaque tokens. */
function readJwtClaim(token: string, claim: string): unknown {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof payload === 'object' && payload !== null
      ? (payload as Record<string, unknown>)[claim]
      : undefined;
  } catch {
    return undefined;
  }
}
