import { isProviderError, type Platform } from '@iris/core';
import type { Autoscaler } from '../autoscaler/autoscaler.js';
import type { ControllerMetrics } from './controller-metrics.js';

/**
 * Counts every asynchronous call of a Platform and of the VmManagers it hands out (create, list,
 * terminate, ...), and its failures by ProviderError kind, without the provider knowing.
 */
export function instrumentPlatform(platform: Platform, metrics: ControllerMetrics): Platform {
  return counted(platform, platform.type, metrics, (name, value) =>
    name === 'vmManager' && typeof value === 'function'
      ? (...args: unknown[]) => counted((value as (...a: unknown[]) => object).apply(platform, args), platform.type, metrics)
      : undefined,
  );
}

/** Counts the asynchronous calls of any provider object (e.g. a state snapshot store) as provider calls. */
export function instrumentProviderObject<T extends object>(target: T, provider: string, metrics: ControllerMetrics): T {
  return counted(target, provider, metrics);
}

function counted<T extends object>(target: T, provider: string, metrics: ControllerMetrics, override?: (name: string, value: unknown) => unknown): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof prop !== 'string') return value;
      const replaced = override?.(prop, value);
      if (replaced !== undefined) return replaced;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v: unknown) => {
            metrics.providerCall(provider, prop);
            return v;
          },
          (err: unknown) => {
            metrics.providerCall(provider, prop, isProviderError(err) ? err.kind : 'other');
            throw err;
          },
        );
      };
    },
  });
}

/** Times every evaluation of the autoscaler and feeds the slice gauge from its status. */
export function instrumentAutoscaler(autoscaler: Autoscaler, metrics: ControllerMetrics): void {
  const runOnce = autoscaler.runOnce.bind(autoscaler);
  autoscaler.runOnce = async () => {
    const started = performance.now();
    try {
      return await runOnce();
    } finally {
      metrics.observeAutoscalerEvaluation((performance.now() - started) / 1000);
    }
  };
  metrics.setSliceCounts(function* () {
    for (const g of autoscaler.status().groups) {
      const byState = new Map<string, number>();
      for (const s of g.slices) byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
      for (const [state, count] of byState) yield { group: g.name, state, count };
    }
  });
}
