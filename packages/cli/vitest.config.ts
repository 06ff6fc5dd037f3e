import { defineIrisVitestConfig } from '../../vitest.shared.js';

// Each CLI test spawns one to three real `iris` processes; on a shared 2-core machine a spawn can
// take seconds, so the budget per test is wider than the workspace default.
export default defineIrisVitestConfig(import.meta.dirname, { testTimeout: 90_000 });
