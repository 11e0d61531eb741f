/** Source of cryptographically secure random bytes; inject one in tests for determinism. */
export type RandomSource = (length: number) => Uint8Array;

/** Default {@link RandomSource}: WebCrypto `getRandomValues` (browsers, Node ≥ 19, edge runtimes). */
export const webCryptoRandom: RandomSource = (length) =>
  globalThis.crypto.getRandomValues(new Uint8Array(length));
