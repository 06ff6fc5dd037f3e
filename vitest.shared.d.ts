import { type ViteUserConfig } from 'vitest/config';
type TestOptions = NonNullable<ViteUserConfig['test']>;
export declare function defineIrisVitestConfig(root: string, overrides?: TestOptions): ViteUserConfig;
export {};
//# sourceMappingURL=vitest.shared.d.ts.map