export { createStrictFetch, jsonResponse, UnexpectedRequestError } from './fake-fetch.js';
export type { ExpectedRequest, StrictFetch } from './fake-fetch.js';
