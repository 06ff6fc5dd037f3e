import { type UserConfig } from 'vitest/config';
export declare function defineIrisVitestConfig(root: string, overrides?: UserConfig['test']): UserConfig;
//# sourceMappingURL=vitest.shared.d.ts.map