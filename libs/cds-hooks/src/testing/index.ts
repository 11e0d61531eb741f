/** The checklist's request and response vectors (cds-hooks.md §17), for this lib's and apps' tests. */
export * from './vectors.js';
