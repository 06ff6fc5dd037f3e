import { describe } from 'vitest';
import type { ProviderPlugin } from '@iris/core';
import { describePlatformConformance, type ConformanceBackend } from './platform-checks.js';
import { describePluginConformance } from './plugin-checks.js';

export interface ProviderConformanceOptions {
  /** The provider package's default export. */
  plugin: ProviderPlugin;
  /** A valid group `provider:` block (with `type`). */
  sampleConfig: Record<string, unknown>;
  /** A valid `controller.provider` block, when the plugin has a controllerSchema. */
  sampleControllerConfig?: Record<string, unknown>;
  /** The provider's raw-state table and mapping function. */
  stateTable: Readonly<Record<string, string>>;
  mapState: (raw: string) => string;
  /** Sets the provider up against a test backend; called once for the platform checks. */
  backend: () => Promise<ConformanceBackend>;
  /** Per-test timeout (default 60 s: real processes and SSH take seconds). */
  timeoutMs?: number;
  /** How long the join check gives every VM's worker to register (default 60 s). */
  joinDeadlineMs?: number;
}

/**
 * The Iris provider conformance suite: call it once at the top level of a Vitest test file. It
 * registers describe/it blocks checking the plugin and the platform contract; each failure says
 * what the contract expects.
 */
export function runProviderConformance(options: ProviderConformanceOptions): void {
  describe(`Iris provider conformance: ${options.plugin.type}`, () => {
    describePluginConformance(options);
    describePlatformConformance({
      backend: options.backend,
      stateTable: options.stateTable,
      mapState: options.mapState,
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.joinDeadlineMs === undefined ? {} : { joinDeadlineMs: options.joinDeadlineMs }),
    });
  });
}
