import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

// Tests import sibling packages from source through the `@iris/source` export condition, so a
// package's tests never wait for (or silently use a stale) `dist/` of another package.
const sourceConditions = ['@iris/source', ...defaultServerConditions];
const setupFile = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

type TestOptions = NonNullable<ViteUserConfig['test']>;

export function defineIrisVitestConfig(root: string, overrides: TestOptions = {}): ViteUserConfig {
  return defineConfig({
    root,
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [setupFile],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      passWithNoTests: false,
      ...overrides,
    },
  });
}
