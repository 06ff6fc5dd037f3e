import type { PlatformDeps } from '@iris/core';
import type { TpuClient } from '../api/clients.js';
import type { CreateRateLimiter } from '../api/create-rate-limiter.js';
import type { GcpProviderConfig } from '../config-types.js';

/** What every part of one gcp Platform shares. */
export interface GcpContext {
  readonly config: GcpProviderConfig;
  readonly deps: PlatformDeps;
  readonly tpu: TpuClient;
  /** Shared by every platform of the project: GCP's create quota is per project. */
  readonly createLimiter: CreateRateLimiter;
  /** How often a long-running operation is polled. */
  readonly operationPollMs: number;
  /** How long a create or delete operation may take before Iris stops waiting for it. */
  readonly operationTimeoutMs: number;
}
