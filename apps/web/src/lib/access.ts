import { compileGrant, decide, parseScopesLenient, type Grant } from '@bedside/scopes';

/**
 * What the session's granted scopes allow, decided in the browser before asking (the BFF and
 * the EHR decide again). Lets a section say "not shared" instead of showing an error.
 */
export class GrantedAccess {
  private readonly grant: Grant;

  constructor(readonly scope: string) {
    this.grant = compileGrant(parseScopesLenient(scope).scopes);
  }

  canSearch(resourceType: string): boolean {
    return decide(this.grant, { resourceType, interaction: 'search' }).allowed;
  }

  canCreate(resourceType: string): boolean {
    return decide(this.grant, { resourceType, interaction: 'create' }).allowed;
  }
}
