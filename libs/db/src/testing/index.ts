export {
  createEmptyTestDatabase,
  createTestDatabase,
  databaseUrlFor,
  testServerUrl,
  type TestDatabase,
} from './test-database.js';
