import { decodeValue } from './filters.js';
import { permissionMask } from './permissions.js';
import type { Scope } from './types.js';

const VERBS: readonly [number, string][] = [
  [1, 'create'],
  [2, 'read'],
  [4, 'update'],
  [8, 'delete'],
  [16, 'search'],
];

function list(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * A plain-language description of a scope for consent screens and the registration console
 * (AUTHZ-12). Wildcard scopes say that they also cover resource types added later.
 * See: SMART App Launch 2.2, §wildcard-scopes; best practices §scope-consent.
 * @throws never
 */
export function describeScope(scope: Scope): string {
  switch (scope.kind) {
    case 'clinical': {
      const mask = permissionMask(scope.permissions);
      const verbs = VERBS.filter(([bit]) => mask & bit).map(([, verb]) => verb);
      const what =
        scope.resourceType === '*'
          ? 'all types of data (including types added in the future)'
          : `${scope.resourceType} resources`;
      const whose =
        scope.context === 'patient'
          ? 'for the current patient'
          : scope.context === 'user'
            ? 'that the signed-in user may access'
            : "within the client's pre-authorized access";
      const only =
        scope.filters.length === 0
          ? ''
          : `, only where ${list(scope.filters.map((f) => `${f.name} is ${decodeValue(f.value).split(',').join(' or ')}`))}`;
      const text = `${list(verbs)} ${what} ${whose}${only}`;
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
    case 'launch':
      if (scope.target === undefined) return 'Open with the context of the current EHR session';
      return `Ask for ${scope.target === 'patient' || scope.target === 'encounter' ? 'the' : /^[aeiou]/.test(scope.target) ? 'an' : 'a'} ${scope.target} to be selected at launch${scope.role === undefined ? '' : ` (role ${scope.role})`}`;
    case 'openid':
      return 'Confirm who is signed in (OpenID Connect)';
    case 'fhirUser':
      return "Know the signed-in user's FHIR record (Patient, Practitioner, RelatedPerson or Person)";
    case 'profile':
      return "Know the signed-in user's FHIR record (legacy 'profile' scope)";
    case 'offline_access':
      return 'Keep access after the user signs out (refresh token)';
    case 'online_access':
      return 'Keep access while the user stays signed in (refresh token)';
    case 'extension':
      return `Extension permission "${scope.raw}" defined by the EHR`;
    case 'unknown':
      return `Permission "${scope.raw}" not defined by SMART (EHR-specific)`;
  }
}
