import { defineIrisVitestConfig } from '../../vitest.shared.js';

// Fixture provider packages (installed into temp folders named iris-plugin-project-*) import
// `@iris/core`; inlining them lets Vite resolve that to this package's source, the copy the tests
// use, just as npm resolves a peerDependency to the one shared copy.
export default defineIrisVitestConfig(import.meta.dirname, { server: { deps: { inline: [/iris-plugin-project-/] } } });
