/** base64url without padding (RFC 4648 §5), from bytes. Uses `btoa` (browsers and Node ≥ 16). */
export function base64urlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64 (with padding) of an ASCII/Latin-1 string. */
export function base64Encode(text: string): string {
  return btoa(text);
}

/**
 * `application/x-www-form-urlencoded` serialisation of one value (WHATWG URL §5.2: space → `+`,
 * everything but `*-._` and alphanumerics percent-encoded).
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Compares two strings without an early exit on the first differing character. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < left.length; i++) diff |= (left[i] ?? 0) ^ (right[i % right.length] ?? 0);
  return diff === 0;
}
