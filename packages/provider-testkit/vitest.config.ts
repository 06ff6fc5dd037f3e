import { defineIrisVitestConfig } from '../../vitest.shared.js';

export default defineIrisVitestConfig(import.meta.dirname);
