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
export { bundleResources, nextLink } from './bundle.js';
export {
  codingIn,
  componentQuantity,
  conceptText,
  effectiveTime,
  formatReferenceRange,
  hasCoding,
  resultFlag,
  type Flag,
  type ReferenceRange,
} from './observation.js';
export { CodeSystem, LabTest, ObservationCategory, token, VitalSign } from './us-core.js';
