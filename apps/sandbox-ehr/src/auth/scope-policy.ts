/**
 * What the sandbox may grant: the requested scopes this client is allowed, in request order
 * (SCOPE-04: granted may differ from requested). REFRESH-01: `online_access` only in an EHR
 * launch, `offline_access` only for clients the profile gives refresh tokens.
 */
export function grantableScopes(
  requested: readonly string[],
  allowed: readonly string[],
  options: { onlineAccess: boolean; offlineAccess: boolean } = {
    onlineAccess: true,
    offlineAccess: true,
  },
): string[] {
  const allowedSet = new Set(allowed);
  return [...new Set(requested)].filter((scope) => {
    if (!allowedSet.has(scope)) return false;
    if (scope === 'online_access') return options.onlineAccess;
    if (scope === 'offline_access') return options.offlineAccess;
    return true;
  });
}

const clinicalScope = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)$/;

/**
 * The scope in `granted` that allows reading one `resourceType` instance, if any, preferring
 * `user/` and `system/` scopes (no compartment limit) over `patient/` ones.
 * SCOPE-01/02: v2 `r` (or v1 `read` / `*`) covers read.
 */
export function scopeAllowingRead(
  granted: readonly string[],
  resourceType: string,
): { scope: string; context: 'patient' | 'user' | 'system' } | undefined {
  let patientMatch: { scope: string; context: 'patient' } | undefined;
  for (const scope of granted) {
    const match = clinicalScope.exec(scope);
    if (!match) continue;
    const [, context, type, permissions] = match;
    if (type !== '*' && type !== resourceType) continue;
    if (permissions !== 'read' && permissions !== '*' && !permissions?.includes('r')) continue;
    if (context !== 'patient') return { scope, context: context as 'user' | 'system' };
    patientMatch ??= { scope, context: 'patient' };
  }
  return patientMatch;
}
