export interface AuthorizationParams {
  /** From discovery (`authorization_endpoint`); its own query parameters are kept. */
  authorizationEndpoint: string;
  clientId: string;
  /** Exactly as registered (AUTHZ-02). */
  redirectUri: string;
  /** Space-separated scopes. For an EHR launch `launch` is added when missing (LAUNCH-02). */
  scope: string;
  /** From {@link generateState}; stored server-side and checked on the callback. */
  state: string;
  /** The FHIR base URL the token is for: the launch `iss` for an EHR launch (LAUNCH-02). */
  aud: string;
  /** From {@link computeCodeChallenge} (S256). */
  codeChallenge: string;
  /** The opaque `launch` value of an EHR launch; omit for standalone launches. */
  launch?: string;
  /** OIDC nonce, when `openid` is requested. */
  nonce?: string;
  /**
   * Extra parameters (vendor specific). They cannot override the SMART parameters above.
   */
  extraParams?: Readonly<Record<string, string>>;
}

const SMART_PARAMS = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'launch',
  'scope',
  'state',
  'aud',
  'code_challenge',
  'code_challenge_method',
  'nonce',
]);

/**
 * The authorization request parameters in a stable order (used for both GET and POST).
 * @throws {TypeError} when a required value is empty or an extra parameter collides.
 */
export function buildAuthorizationParams(params: AuthorizationParams): [string, string][] {
  for (const key of [
    'clientId',
    'redirectUri',
    'scope',
    'state',
    'aud',
    'codeChallenge',
  ] as const) {
    if (!params[key]) throw new TypeError(`${key} is required for the authorization request`);
  }
  let scope = params.scope.trim().replace(/\s+/g, ' ');
  if (params.launch !== undefined) {
    if (params.launch === '') throw new TypeError('launch must not be empty');
    // LAUNCH-02: an EHR launch SHALL request the `launch` scope.
    if (!scope.split(' ').includes('launch')) scope = `launch ${scope}`;
  }
  const entries: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', params.clientId],
    ['redirect_uri', params.redirectUri],
  ];
  if (params.launch !== undefined) entries.push(['launch', params.launch]);
  entries.push(
    ['scope', scope],
    ['state', params.state],
    ['aud', params.aud],
    ['code_challenge', params.codeChallenge],
    // PKCE-01: S256 always, plain never.
    ['code_challenge_method', 'S256'],
  );
  if (params.nonce !== undefined && params.nonce !== '') entries.push(['nonce', params.nonce]);
  for (const [key, value] of Object.entries(params.extraParams ?? {})) {
    if (SMART_PARAMS.has(key)) throw new TypeError(`extraParams may not set ${key}`);
    entries.push([key, value]);
  }
  return entries;
}

/**
 * Builds the authorization URL of SMART App Launch 2.2 step 4 (AUTHZ-02): `response_type=code`,
 * `client_id`, `redirect_uri`, `scope`, `state`, `aud`, `code_challenge`,
 * `code_challenge_method=S256`, plus `launch` (EHR launch) and `nonce` when given. Query
 * parameters already present on the endpoint are kept; SMART parameters replace same-named ones.
 * See: SMART App Launch 2.2 §app-launch "Obtain authorization code".
 * @throws {TypeError} when a required value is empty or the endpoint is not an absolute URL.
 */
export function buildAuthorizationUrl(params: AuthorizationParams): URL {
  const url = new URL(params.authorizationEndpoint);
  for (const [key, value] of buildAuthorizationParams(params)) url.searchParams.set(key, value);
  return url;
}
