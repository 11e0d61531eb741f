import { GenericAdapter } from '../generic/generic-adapter.js';
import { Vendor } from '../types.js';

import type {
  AuthErrorAdvice,
  BackendPolicy,
  RateLimitPolicy,
  RefreshPolicy,
  ScopeDialect,
  WriteInteraction,
} from '../types.js';

const PRACTICE_IN_PATH = /\/fhir\/r4\/([A-Za-z0-9]{4,12})$/;

/**
 * eClinicalWorks / healow (ehr-quirks.md §5; third-party sources only). Differences from plain
 * SMART, each with its row of the §7 table.
 */
export class EcwAdapter extends GenericAdapter {
  override readonly vendor = Vendor.Ecw;
  override readonly quirkRows: readonly number[] = [8, 19, 22, 23, 27, 31, 34, 45, 46];
  // Row 27: refresh tokens are single-use (rotated); public clients get none (W1, W4).
  override readonly refresh: RefreshPolicy = {
    rotation: 'always',
    sendScopeOnRefresh: false,
    minIntervalSeconds: 0,
    publicClientsGetRefreshTokens: false,
  };
  // Row 46: 250 calls/min per practice base incl. /authorize and /token; a 429 blocks the app
  // for the rest of the minute (W1, W3).
  override readonly rateLimit: RateLimitPolicy = {
    requestsPerMinute: 250,
    defaultRetryAfterSeconds: 60,
  };
  // Row 31: RS384 only (W1).
  override readonly backend: BackendPolicy = { allowedAlgs: ['RS384'], algsRequiringJku: [] };
  // Matrix "Scope syntax": v1 `.read` seen in the wild (O14).
  protected override readonly defaultDialect: ScopeDialect = 'v1';

  /** Row 8: the practice code is the last segment of the base (`/fhir/r4/{CODE}`). */
  protected override tenantFrom(body: Record<string, unknown>, base: string): string | undefined {
    return super.tenantFrom(body, base) ?? PRACTICE_IN_PATH.exec(base)?.[1];
  }

  /** Row 45: all FHIR writes are contract-gated (W3); enable per connection. */
  override supportsWrite(_resourceType: string, _interaction: WriteInteraction): boolean {
    return this.options.writeEnabled === true;
  }

  /** Row 34: until the practice activates the app: "FHIR app authentication is not enabled". */
  override describeAuthorizationError(error: {
    error: string;
    errorDescription?: string;
  }): AuthErrorAdvice {
    if (
      error.error === 'unauthorized_client' ||
      /app authentication is not enabled/i.test(error.errorDescription ?? '')
    ) {
      return {
        kind: 'pending_customer_setup',
        message:
          'eClinicalWorks: the practice has not activated the app yet (activation code, user assignment).',
      };
    }
    return super.describeAuthorizationError(error);
  }
}
