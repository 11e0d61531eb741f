/**
 * Stable codes of {@link ScopeSyntaxError}; each names one grammar rule.
 * See: SMART App Launch 2.2, §clinical-scope-syntax; RFC 6749 §3.3.
 */
export const ScopeSyntaxCode = {
  Empty: 'empty',
  TooLong: 'too_long',
  InvalidCharacter: 'invalid_character',
  ContextInvalid: 'context_invalid',
  ResourceTypeMissing: 'resource_type_missing',
  ResourceTypeInvalid: 'resource_type_invalid',
  PermissionsMissing: 'permissions_missing',
  PermissionUnknown: 'permission_unknown',
  PermissionsOutOfOrder: 'permissions_out_of_order',
  PermissionRepeated: 'permission_repeated',
  PermissionsNotV1: 'permissions_not_v1',
  FilterWithV1: 'filter_with_v1',
  FilterEmpty: 'filter_empty',
  FilterNameMissing: 'filter_name_missing',
  FilterNameInvalid: 'filter_name_invalid',
  FilterValueMissing: 'filter_value_missing',
  LaunchTargetMissing: 'launch_target_missing',
  LaunchTargetInvalid: 'launch_target_invalid',
  LaunchParameterInvalid: 'launch_parameter_invalid',
  LaunchRoleInvalid: 'launch_role_invalid',
} as const;
export type ScopeSyntaxCode = (typeof ScopeSyntaxCode)[keyof typeof ScopeSyntaxCode];

/**
 * Longest single scope accepted (characters). Longer input is refused before it is scanned.
 * See: SMART App Launch 2.2, §scope-size-over-the-wire.
 */
export const MAX_SCOPE_LENGTH = 1024;
/**
 * Longest space-separated scope string accepted by parseScopes (characters).
 * See: SMART App Launch 2.2, §scope-size-over-the-wire.
 */
export const MAX_SCOPES_LENGTH = 65_536;

/**
 * The rule each code enforces, with the checklist id it comes from.
 * See: SMART App Launch 2.2, §clinical-scope-syntax.
 */
export const SCOPE_SYNTAX_RULES: Readonly<Record<ScopeSyntaxCode, string>> = {
  empty: 'RFC 6749 §3.3: a scope token has at least one character',
  too_long: `a scope is at most ${MAX_SCOPE_LENGTH} characters (a scope string at most ${MAX_SCOPES_LENGTH})`,
  invalid_character:
    "RFC 6749 §3.3: scope tokens are printable ASCII without space, '\"' or '\\' (%x21 / %x23-5B / %x5D-7E)",
  context_invalid: 'SCOPE-01: a clinical scope starts with patient/, user/ or system/ (lowercase)',
  resource_type_missing: 'SCOPE-01: a resource type or * follows the context and /',
  resource_type_invalid: 'SCOPE-01: a resource type is [A-Z][A-Za-z]+ or *',
  permissions_missing: 'SCOPE-01: . and a non-empty permission follow the resource type',
  permission_unknown:
    'SCOPE-01/SCOPE-02: permissions are letters from c r u d s (v2) or read, write, * (v1)',
  permissions_out_of_order: 'SCOPE-01/SCOPE-03: permission letters appear in the order c r u d s',
  permission_repeated: 'SCOPE-01/SCOPE-03: each permission letter appears at most once',
  permissions_not_v1: 'SCOPE-02: a v1 scope grants exactly rs (read), cud (write) or cruds (*)',
  filter_with_v1: 'SCOPE-02/SCOPE-05: only v2 scopes take a ?param=value suffix',
  filter_empty: 'SCOPE-05: ? is followed by param=value items joined by single &',
  filter_name_missing: 'SCOPE-05: each filter item is param=value with a non-empty param',
  filter_name_invalid: 'SCOPE-05: a filter param is a search parameter name [A-Za-z0-9_.:-]',
  filter_value_missing: 'SCOPE-05: each filter item is param=value with a non-empty value',
  launch_target_missing: 'SCOPE-07: launch/ is followed by a context type (launch/patient)',
  launch_target_invalid: 'SCOPE-07/LAUNCH-08: launch context types are lowercase [a-z0-9_.-]',
  launch_parameter_invalid: 'LAUNCH-08: a launch context scope takes one parameter, ?role=<uri>',
  launch_role_invalid: 'LAUNCH-07/LAUNCH-08: role is an absolute URI',
};

/**
 * A scope string that breaks the SMART grammar. The parser never guesses what a malformed scope
 * meant (SCOPE-03: "never reinterpreted"); it reports the first rule broken and where.
 * See: SMART App Launch 2.2, §scopes-for-requesting-fhir-resources.
 */
export class ScopeSyntaxError extends Error {
  /** Stable machine-readable code, e.g. `permissions_out_of_order`. */
  readonly code: ScopeSyntaxCode;
  /** The grammar rule broken, with its checklist id. */
  readonly rule: string;
  /** 0-based index of the offending character in the parsed input (the whole string for parseScopes). */
  readonly position: number;
  /** The malformed scope (one token, also when parseScopes was given a list). */
  readonly scope: string;
  /** What exactly is wrong at `position`, when more can be said than the rule. */
  readonly detail: string | undefined;

  constructor(
    code: ScopeSyntaxCode,
    scope: string,
    position: number,
    options: { detail?: string; offset?: number } = {},
  ) {
    const rule = SCOPE_SYNTAX_RULES[code];
    const at = position + (options.offset ?? 0);
    const shown = scope.length > 80 ? `${scope.slice(0, 77)}...` : scope;
    const printable = shown.replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    super(
      `Invalid scope "${printable}" at position ${at} (${code}): ${options.detail ? `${options.detail}; ` : ''}${rule}`,
    );
    this.name = 'ScopeSyntaxError';
    this.code = code;
    this.rule = rule;
    this.position = at;
    this.scope = scope;
    this.detail = options.detail;
  }

  /** The same error with its position shifted by `offset` (used when a token sits in a list). */
  withOffset(offset: number): ScopeSyntaxError {
    const options: { detail?: string; offset: number } = { offset };
    if (this.detail !== undefined) options.detail = this.detail;
    return new ScopeSyntaxError(this.code, this.scope, this.position, options);
  }
}
