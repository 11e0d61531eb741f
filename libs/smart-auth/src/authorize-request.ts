import { buildAuthorizationParams, buildAuthorizationUrl } from './authorize-url.js';
import { SmartCapability, hasCapability } from './discovery.js';

import type { AuthorizationParams } from './authorize-url.js';
import type { SmartConfiguration } from './discovery.js';

/** URL length above which POST is preferred; common browser/proxy limits start near 2 kB. */
export const DEFAULT_MAX_AUTHORIZE_URL_LENGTH = 2000;

/** How to send the user to the authorization endpoint. */
export type AuthorizationRequest =
  | { method: 'GET'; url: URL }
  | {
      method: 'POST';
      /** The authorization endpoint (its own query parameters kept). */
      action: string;
      /** Form fields, in order, for an `application/x-www-form-urlencoded` POST. */
      fields: [string, string][];
    };

export interface AuthorizationRequestOptions {
  /** The server's configuration, or just whether it advertises `authorize-post`. */
  server: Pick<SmartConfiguration, 'capabilities'> | { authorizePost: boolean };
  /** Use POST when the GET URL would be longer than this; default 2000 characters. */
  maxUrlLength?: number;
}

/**
 * Chooses GET or POST for the authorization request: POST (an auto-submitting form) when the
 * GET URL would exceed `maxUrlLength` and the server advertises `authorize-post`; GET otherwise
 * (a long URL is still better than a request the server cannot read).
 * See: SMART App Launch 2.2 §app-launch step 4 (AUTHZ-01, AUTHZ-08); OIDC Core §3.1.2.1.
 * @throws {TypeError} as {@link buildAuthorizationUrl}.
 */
export function buildAuthorizationRequest(
  params: AuthorizationParams,
  options: AuthorizationRequestOptions,
): AuthorizationRequest {
  const url = buildAuthorizationUrl(params);
  const postAllowed =
    'authorizePost' in options.server
      ? options.server.authorizePost
      : hasCapability(options.server, SmartCapability.AuthorizePost);
  const limit = options.maxUrlLength ?? DEFAULT_MAX_AUTHORIZE_URL_LENGTH;
  if (url.href.length <= limit || !postAllowed) return { method: 'GET', url };
  return {
    method: 'POST',
    action: params.authorizationEndpoint,
    fields: buildAuthorizationParams(params),
  };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * A minimal HTML page that POSTs the authorization request on load (with a button when scripts
 * are blocked). Every value is HTML-escaped; pass `scriptNonce` when the page is served with a
 * CSP `script-src 'nonce-…'`. Serve it with `Cache-Control: no-store`.
 */
export function renderAutoSubmitForm(
  request: Extract<AuthorizationRequest, { method: 'POST' }>,
  options: { scriptNonce?: string; title?: string } = {},
): string {
  const inputs = request.fields
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('');
  const nonce = options.scriptNonce ? ` nonce="${escapeHtml(options.scriptNonce)}"` : '';
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(options.title ?? 'Signing in…')}</title></head><body>` +
    `<form id="smart-authorize" method="post" action="${escapeHtml(request.action)}">` +
    `${inputs}<noscript><button type="submit">Continue</button></noscript></form>` +
    `<script${nonce}>document.getElementById('smart-authorize').submit();</script>` +
    '</body></html>'
  );
}
