import { join } from 'node:path';
import {
  ProviderError,
  matchesLabels,
  type ControllerConfig,
  type ControllerHost,
  type ListVmsQuery,
  type Platform,
  type PlatformDeps,
  type PlatformFactory,
  type ProviderConfig,
  type ScaleGroupConfig,
  type StartVmsRequest,
  type Tunnel,
  type VmInfo,
  type VmManager,
} from '@iris/core';
import type { ManualControllerConfig, ManualProviderConfig } from '../config-types.js';
import { resolveManualHosts } from '../hosts.js';
import { SshPool } from '../ssh/ssh-pool.js';
import { HostHealth, type HostReport } from './host-reports.js';
import { targetOf, type ManualContext } from './manual-context.js';
import { controllerSshHost, ManualControllerHost } from './manual-controller-host.js';
import { describeManualSlice, ManualVmManager, terminateManualSlice } from './manual-vm-manager.js';
import { WORKER_PROGRAM_EXCLUDES } from './program-packer.js';
import { ProgramShipper, programCacheDir, programFromIrisCommand, type ManualProgram } from './program-shipper.js';
import { ManualSliceRecords } from './slice-records.js';
import { openSshTunnel, parseTunnelAddress } from './ssh-tunnel.js';

/** Knobs a caller may set beyond the config; the defaults suit production. */
export interface ManualPlatformOptions {
  /** The program to install on hosts; defaults to the package of `deps.irisCommand`. */
  program?: ManualProgram;
  /** Folder of packed program tarballs; defaults to programCacheDir(). */
  programCache?: string;
  /** Seconds a started worker must stay alive to count as running. */
  settleSeconds?: number;
  stopGraceSeconds?: number;
  /** SSH agent socket; defaults to `SSH_AUTH_SOCK`. */
  agentSocket?: string;
}

/**
 * Lab machines over SSH as a provider. Nothing is created or destroyed: hosts are a pool that
 * slices borrow, and the platform starts and stops Iris workers on them.
 */
export class ManualPlatform implements Platform {
  readonly type = 'manual';
  private readonly ctx: ManualContext;
  private readonly managers = new Map<string, ManualVmManager>();
  private readonly agentSocket: string | undefined;

  constructor(config: ProviderConfig, deps: PlatformDeps, options: ManualPlatformOptions = {}) {
    const manual = config as unknown as ManualProviderConfig;
    const pollMs = Math.max(1, deps.timeouts.ssh_poll_interval);
    const agentSocket = options.agentSocket ?? process.env.SSH_AUTH_SOCK;
    this.agentSocket = agentSocket;
    const pool = new SshPool({
      connectTimeoutMs: deps.ssh.connect_timeout,
      logger: deps.logger,
      clock: deps.clock,
      retries: 2,
      backoffInitialMs: Math.min(pollMs, 1_000),
      backoffMaxMs: pollMs * 4,
      ...(agentSocket ? { agentSocket } : {}),
    });
    const program = options.program ?? programFromIrisCommand(deps.irisCommand);
    const root = join(deps.stateDir, 'manual');
    const cacheDir = options.programCache ?? programCacheDir();
    this.ctx = {
      deps,
      config: manual,
      // A `controller.provider` block names one host and no pool: that platform only runs the controller.
      hosts: Array.isArray(manual.hosts) ? resolveManualHosts(manual, deps.ssh) : [],
      records: new ManualSliceRecords(join(root, 'slices')),
      health: new HostHealth(deps.clock, pollMs, Math.max(pollMs * 32, 60_000)),
      pool,
      shipper: new ProgramShipper(program, cacheDir, pool, { exclude: WORKER_PROGRAM_EXCLUDES, uploadTimeoutMs: deps.timeouts.boot }),
      controllerShipper: new ProgramShipper(program, cacheDir, pool, { uploadTimeoutMs: deps.timeouts.boot }),
      settleSeconds: options.settleSeconds ?? 2,
      stopGraceSeconds: options.stopGraceSeconds ?? 10,
      inFlight: new Map(),
    };
  }

  /**
   * Hosts that are all loopback addresses (a test rig, or workers beside the controller) reach the
   * controller at its bound address; real lab hosts need `defaults.bootstrap.controller_address`.
   */
  controllerUrlForVms(boundUrl: string): string | undefined {
    const hosts = this.ctx.hosts;
    if (hosts.length === 0 || !hosts.every((h) => /^127\./.test(h.host) || h.host === 'localhost' || h.host === '::1')) return undefined;
    const url = new URL(boundUrl);
    if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
    return url.toString().replace(/\/+$/, '');
  }

  vmManager(group: ScaleGroupConfig): VmManager {
    let manager = this.managers.get(group.name);
    if (!manager) {
      manager = new ManualVmManager(group, this.ctx);
      this.managers.set(group.name, manager);
    }
    return manager;
  }

  /** Hosts that failed to bootstrap, stop or answer, with the step and their last lines: for `iris status`. */
  hostReports(): HostReport[] {
    return this.ctx.health.list();
  }

  /** Resolves once every bootstrap started by this instance has finished (succeeded or given up). */
  async settled(): Promise<void> {
    while (this.ctx.inFlight.size > 0) await Promise.all([...this.ctx.inFlight.values()].map((f) => f.done));
  }

  async listVms(query: ListVmsQuery): Promise<VmInfo[]> {
    const records = this.ctx.records.list().filter((r) => matchesLabels(r.labels, query.labels));
    const slices = await Promise.all(records.map((r) => describeManualSlice(this.ctx, r)));
    return slices.flatMap((s) => s.vms);
  }

  async startVms(_request: StartVmsRequest): Promise<VmInfo[]> {
    throw new ProviderError('invalid_request', 'the manual provider starts workers only through a scale group', { provider: 'manual' });
  }

  async stopVms(vmIds: readonly string[]): Promise<void> {
    const wanted = new Set(vmIds);
    const slices = this.ctx.records.list().filter((r) => r.vms.some((vm) => wanted.has(vm.vmId)));
    // A VM is one member of an indivisible slice: stopping it ends the slice.
    await Promise.all(slices.map((s) => terminateManualSlice(this.ctx, s.sliceId)));
  }

  /** Through the host that serves `address` when it is one of ours (the controller's host included), else the first host. */
  async tunnel(address: string): Promise<Tunnel> {
    const { host } = parseTunnelAddress(address);
    const controller =
      (this.ctx.config as unknown as Partial<ManualControllerConfig>).host !== undefined
        ? controllerSshHost(this.ctx.config as unknown as ManualControllerConfig, this.ctx)
        : undefined;
    const candidates = [...(controller ? [controller] : []), ...this.ctx.hosts];
    const via = candidates.find((h) => h.host === host) ?? candidates[0];
    if (!via) throw new ProviderError('invalid_request', 'manual provider: no host to tunnel through', { provider: 'manual' });
    return openSshTunnel(
      targetOf(via),
      { connectTimeoutMs: this.ctx.deps.ssh.connect_timeout, logger: this.ctx.deps.logger, ...(this.agentSocket ? { agentSocket: this.agentSocket } : {}) },
      address,
    );
  }

  controllerHost(controller: ControllerConfig): ControllerHost {
    return new ManualControllerHost(controller, this.ctx);
  }

  async close(): Promise<void> {
    for (const f of this.ctx.inFlight.values()) f.abort.abort();
    await this.settled();
    await this.ctx.pool.close();
  }
}

export const manualPlatformFactory: PlatformFactory = {
  type: 'manual',
  create: (config, deps) => new ManualPlatform(config, deps),
};
