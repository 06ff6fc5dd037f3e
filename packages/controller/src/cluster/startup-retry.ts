import { isProviderError, type Clock, type Logger, type Platform, type VmManager } from '@iris/core';

export interface StartupRetryOptions {
  clock: Clock;
  logger: Logger;
  /** First wait after a failure; doubled each time up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** What the controller is waiting on while a provider keeps failing during start-up. */
export interface StartupRetryState {
  attempts: number;
  lastError?: string;
}

/**
 * Provider reads made while the controller starts (listing slices and VMs to adopt them) retried
 * with backoff when the provider says the failure will pass (`transient`, `rate_limited`): one 503
 * from a cloud API must not kill a controller that `iris start` already reported as up. Other kinds
 * (auth, invalid_request, …) still fail the start: waiting would not fix them. Once `done()` is
 * called the platforms behave as unwrapped, and the autoscaler's own backoff takes over.
 */
export class StartupRetry {
  private starting = true;
  readonly state: StartupRetryState = { attempts: 0 };
  private readonly wrapped = new Map<Platform, Platform>();

  constructor(private readonly options: StartupRetryOptions) {}

  done(): void {
    this.starting = false;
  }

  /** The same platforms, whose reads retry while the controller starts. */
  platforms(byGroup: ReadonlyMap<string, Platform>): Map<string, Platform> {
    return new Map([...byGroup].map(([group, platform]) => [group, this.wrap(platform)]));
  }

  private wrap(platform: Platform): Platform {
    let wrapped = this.wrapped.get(platform);
    if (!wrapped) {
      const retry = <T>(what: string, call: () => Promise<T>): Promise<T> => this.call(`${platform.type}: ${what}`, call);
      wrapped = delegate(platform, {
        vmManager: (group: Parameters<Platform['vmManager']>[0]): VmManager => {
          const manager = platform.vmManager(group);
          return delegate(manager, { listSlices: () => retry(`list slices of group ${group.name}`, () => manager.listSlices()) });
        },
        listVms: (query: Parameters<Platform['listVms']>[0]) => retry('list VMs', () => platform.listVms(query)),
      });
      this.wrapped.set(platform, wrapped);
    }
    return wrapped;
  }

  private async call<T>(what: string, call: () => Promise<T>): Promise<T> {
    const { clock, logger } = this.options;
    let delay = this.options.initialDelayMs;
    for (;;) {
      try {
        return await call();
      } catch (err) {
        const retryable = isProviderError(err) && (err.kind === 'transient' || err.kind === 'rate_limited');
        if (!this.starting || !retryable) throw err;
        const wait = Math.min(this.options.maxDelayMs, Math.max(delay, err.retryAfterMs ?? 0));
        this.state.attempts += 1;
        this.state.lastError = `${what}: ${err.message}`;
        logger.warn('provider failed while the controller starts; retrying', { what, kind: err.kind, error: err.message, retryInMs: wait });
        await clock.sleep(wait);
        delay = Math.min(this.options.maxDelayMs, delay * 2);
      }
    }
  }
}

/** `target` with some methods replaced; every other member (present or added later) reads through. */
function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop as keyof T];
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}
