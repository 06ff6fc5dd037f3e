import { IrisError, type ControllerConfig, type ControllerHost, type ControllerStatus } from '@iris/core';
import { controllerDaemonSpec, daemonStartScript, daemonStatusScript, daemonStopScript, parseBootstrapOutput, type DaemonSpec } from '@iris/core/bootstrap';
import type { ManualControllerConfig } from '../config-types.js';
import { parseHostEntry, type ManualHost } from '../hosts.js';
import { absoluteOnHost, targetOf, type ManualContext } from './manual-context.js';
import { fileSha256, uploadFile } from './host-upload.js';
import { lines, PROGRAM_CACHE_ENV } from './program-shipper.js';

export const MANUAL_CONTROLLER_FAILED = 'IRIS_MANUAL_CONTROLLER_FAILED';

/** The controller's host as an SSH endpoint, from `controller.provider` and `defaults.ssh`. */
export function controllerSshHost(config: ManualControllerConfig, ctx: ManualContext): ManualHost {
  const { host, port } = parseHostEntry(config.host, config.ssh_port ?? ctx.deps.ssh.port);
  const keyFile = config.ssh_key_file ?? ctx.deps.ssh.key_file;
  return {
    entry: config.host,
    host,
    port,
    user: config.ssh_user ?? ctx.deps.ssh.user,
    ...(keyFile ? { keyFile } : {}),
    hostKey: config.host_key_fingerprint
      ? { kind: 'fingerprint', fingerprint: config.host_key_fingerprint }
      : config.insecure_skip_host_key_check
        ? { kind: 'insecure' }
        : { kind: 'known_hosts', ...(config.known_hosts_file ? { file: config.known_hosts_file } : {}) },
  };
}

/**
 * Runs `iris controller serve` on a machine over SSH, detached so it outlives the session, with
 * its state_dir on that machine. Its URL is what it writes to `<state_dir>/controller.json`.
 */
export class ManualControllerHost implements ControllerHost {
  private readonly provider: ManualControllerConfig;
  private readonly host: ManualHost;

  constructor(
    private readonly controller: ControllerConfig,
    private readonly ctx: ManualContext,
  ) {
    this.provider = controller.provider as unknown as ManualControllerConfig;
    this.host = controllerSshHost(this.provider, ctx);
  }

  private async stateDir(): Promise<string> {
    const home = (await this.ctx.pool.runScript(targetOf(this.host), 'printf %s "$HOME"')).stdout.trim();
    return absoluteOnHost(this.controller.state_dir, home);
  }

  private spec(stateDir: string, programDir: string, entry: string, clusterFile?: string): DaemonSpec {
    return controllerDaemonSpec({
      stateDir,
      programDir,
      entry,
      host: '0.0.0.0',
      port: this.provider.port,
      ...(clusterFile ? { clusterFile } : {}),
      env: { ...this.ctx.deps.bootstrap.env, [PROGRAM_CACHE_ENV]: `${stateDir}/programs` },
      settleSeconds: this.ctx.settleSeconds,
      stopGraceSeconds: this.ctx.stopGraceSeconds,
    });
  }

  private async readUrl(stateDir: string): Promise<string | undefined> {
    const res = await this.ctx.pool.runScript(targetOf(this.host), `cat ${JSON.stringify(`${stateDir}/controller.json`)} 2>/dev/null`);
    try {
      const url = (JSON.parse(res.stdout) as { url?: unknown }).url;
      // The controller writes the address it bound; workers and the CLI reach it by the host's name.
      return typeof url === 'string' ? url.replace(/\/\/(0\.0\.0\.0|127\.0\.0\.1|localhost)(?=[:/]|$)/, `//${this.host.host}`) : undefined;
    } catch {
      return undefined;
    }
  }

  async status(): Promise<ControllerStatus> {
    const stateDir = await this.stateDir();
    const res = await this.ctx.pool.runScript(
      targetOf(this.host),
      daemonStatusScript({ role: 'controller', dir: stateDir, marker: stateDir, programDir: '/' }),
    );
    const status = parseBootstrapOutput(res.stdout).status ?? 'stopped';
    if (!status.startsWith('running')) return { running: false, location: this.host.entry };
    const address = await this.readUrl(stateDir);
    return { running: true, ...(address ? { address } : {}), location: `${this.host.entry} pid ${status.split(' ')[1] ?? '?'}` };
  }

  async address(): Promise<string | undefined> {
    const s = await this.status();
    return s.running ? s.address : undefined;
  }

  async start(): Promise<ControllerStatus> {
    const current = await this.status();
    if (current.running && current.address) return current;
    const stateDir = await this.stateDir();
    const target = targetOf(this.host);
    // The tarball stays beside the unpacked program and the controller's program cache points there:
    // it ships the same program to its workers without packing it again.
    const bundle = await this.ctx.controllerShipper.ensure(target, `${stateDir}/programs`, { keepTarball: true });
    let clusterFile: string | undefined;
    if (this.ctx.deps.clusterFile) {
      clusterFile = `${stateDir}/cluster.yaml`;
      const file = { path: this.ctx.deps.clusterFile, sha256: await fileSha256(this.ctx.deps.clusterFile), what: 'the cluster file' };
      await uploadFile(this.ctx.pool, target, file, clusterFile, this.ctx.deps.timeouts.boot);
    }
    await this.ctx.pool.runScript(target, `rm -f ${JSON.stringify(`${stateDir}/controller.json`)}`);
    const res = await this.ctx.pool.runScript(
      target,
      daemonStartScript(this.spec(stateDir, `${stateDir}/programs/${bundle.hash}`, bundle.entry, clusterFile)),
      {
        timeoutMs: this.ctx.deps.timeouts.boot,
      },
    );
    if (res.code !== 0) {
      const parsed = parseBootstrapOutput(res.stdout);
      throw new IrisError(
        MANUAL_CONTROLLER_FAILED,
        `controller on ${this.host.entry} failed at ${parsed.lastPhase ?? 'start'}: ${parsed.errors[0] ?? `exit ${res.code}`}\n${lines(res.stdout, res.stderr).slice(-10).join('\n')}`,
      );
    }
    const deadline = this.ctx.deps.clock.now() + this.ctx.deps.timeouts.boot;
    while (this.ctx.deps.clock.now() < deadline) {
      const address = await this.readUrl(stateDir);
      if (address) return { running: true, address, location: this.host.entry };
      await this.ctx.deps.clock.sleep(Math.min(500, this.ctx.deps.timeouts.ssh_poll_interval));
    }
    throw new IrisError(
      MANUAL_CONTROLLER_FAILED,
      `the controller on ${this.host.entry} started but wrote no ${stateDir}/controller.json within ${this.ctx.deps.timeouts.boot} ms; see ${stateDir}/controller.log there`,
    );
  }

  /** The token lives in the controller's state_dir on its host; read over SSH, never logged. */
  async readToken(): Promise<string | undefined> {
    const stateDir = await this.stateDir();
    const res = await this.ctx.pool.runScript(targetOf(this.host), `cat ${JSON.stringify(`${stateDir}/token`)} 2>/dev/null`);
    const token = res.stdout.trim();
    return res.code === 0 && token !== '' ? token : undefined;
  }

  async stop(): Promise<void> {
    const stateDir = await this.stateDir();
    const res = await this.ctx.pool.runScript(targetOf(this.host), daemonStopScript(this.spec(stateDir, '/', '')));
    if (res.code !== 0) {
      throw new IrisError(
        MANUAL_CONTROLLER_FAILED,
        `could not stop the controller on ${this.host.entry}: ${parseBootstrapOutput(res.stdout).errors[0] ?? res.code}`,
      );
    }
  }
}
