import { defineIrisVitestConfig } from '../../vitest.shared.js';

// The tests drive real sshd servers and worker processes; CI runs many projects at once on two
// cores, where one SSH bootstrap can take many times longer than here. Budgets are wide; no test
// asserts a tight duration.
export default defineIrisVitestConfig(import.meta.dirname, { testTimeout: 180_000, hookTimeout: 180_000 });
