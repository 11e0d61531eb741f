export type * from './types.js';
export { displayName, formatHumanName, selectDisplayName } from './human-name.js';
export {
  createOperationOutcome,
  httpStatusByIssueType,
  httpStatusForOutcome,
  isOperationOutcome,
  type HttpStatusByIssueType,
} from './operation-outcome.js';
export {
  isResourceTypeName,
  isValidId,
  parseReference,
  type ParsedReference,
} from './reference.js';
