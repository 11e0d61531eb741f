export { FAKE_EHR_DATA, createFakeEhr } from './fake-ehr.js';
export type { FakeEhr, FakeEhrOptions, FakeEhrStats } from './fake-ehr.js';
export { vendorProfiles } from './vendor-profiles.js';
export type { VendorProfile } from './vendor-profiles.js';
