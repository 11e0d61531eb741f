import { Injectable } from '@nestjs/common';

import { compileGrant, parseScopesLenient, type Grant } from '@bedside/scopes';

const maxEntries = 5000;

/**
 * Compiled scope grants per session (compiling once makes each proxy decision a lookup). Keyed by
 * session and scope string, so a grant narrowed on refresh compiles afresh.
 */
@Injectable()
export class GrantCache {
  private readonly grants = new Map<string, Grant>();

  of(sessionIdHash: string, grantedScope: string): Grant {
    const key = `${sessionIdHash} ${grantedScope}`;
    let grant = this.grants.get(key);
    if (!grant) {
      // SCOPE-03: malformed granted scopes are ignored, never reinterpreted.
      grant = compileGrant(parseScopesLenient(grantedScope).scopes);
      this.grants.set(key, grant);
      if (this.grants.size > maxEntries) {
        const oldest = this.grants.keys().next().value;
        if (oldest !== undefined) this.grants.delete(oldest);
      }
    }
    return grant;
  }
}
