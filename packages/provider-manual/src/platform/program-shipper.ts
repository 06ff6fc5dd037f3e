import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ProviderError } from '@iris/core';
import { packageDirOf, parseBootstrapOutput, pathInPackage, programProbeScript, programUnpackScript, type ProgramBundle } from '@iris/core/bootstrap';
import type { SshPool } from '../ssh/ssh-pool.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import { BootstrapStepError } from './bootstrap-step-error.js';
import { programPruneScript } from './program-prune.js';
import { packProgramOffLoop } from './program-packer.js';
import { fileSha256, uploadFile } from './host-upload.js';

/** Which program runs on the hosts: a package found on this machine and a script inside it. */
export interface ManualProgram {
  packageDir: string;
  entry: string;
}

/**
 * The `iris` program this process runs as (irisCommand is `[node, /…/iris.js]`): its package is
 * bundled for the hosts, so they run the very version the controller runs.
 */
export function programFromIrisCommand(irisCommand: readonly string[] | undefined): ManualProgram | undefined {
  const script = irisCommand?.[1];
  if (!script) return undefined;
  const packageDir = packageDirOf(script);
  return packageDir ? { packageDir, entry: pathInPackage(packageDir, script) } : undefined;
}

/**
 * Gets the program onto a host without registry access: packed once per process (off the event
 * loop, reused by content hash), copied only when the host's cache lacks that hash, checked by
 * sha256 and unpacked atomically on the host, older versions pruned.
 */
export class ProgramShipper {
  private bundle: Promise<ProgramBundle & { sha256: string }> | undefined;

  constructor(
    private readonly program: ManualProgram | undefined,
    private readonly outDir: string,
    private readonly pool: SshPool,
    private readonly options: { exclude?: readonly string[]; uploadTimeoutMs: number },
  ) {}

  packed(): Promise<ProgramBundle & { sha256: string }> {
    if (!this.program) {
      return Promise.reject(
        new ProviderError('invalid_request', 'manual provider: no Iris program to install on hosts (no iris command is known)', {
          provider: 'manual',
        }),
      );
    }
    const options = { ...this.program, outDir: this.outDir, ...(this.options.exclude ? { exclude: this.options.exclude } : {}) };
    this.bundle ??= packProgramOffLoop(options).then(async (b) => ({ ...b, sha256: await fileSha256(b.tarball) }));
    this.bundle.catch(() => (this.bundle = undefined));
    return this.bundle;
  }

  /**
   * Ensures `<programsDir>/<hash>` exists on the host; returns the bundle. `keepTarball` also leaves
   * `<programsDir>/<hash>.tar.gz` there, for a controller that ships the program on to its workers.
   */
  async ensure(target: SshTarget, programsDir: string, options: { keepTarball?: boolean } = {}): Promise<ProgramBundle> {
    const bundle = await this.packed();
    const probe = await this.pool.runScript(target, programProbeScript(programsDir, bundle.hash, options));
    const probed = parseBootstrapOutput(probe.stdout);
    if (probe.code !== 0 || !probed.status) {
      throw new BootstrapStepError('program', probed.errors[0] ?? `probe exited ${probe.code}`, lines(probe.stdout, probe.stderr));
    }
    if (probed.status === 'present') return bundle;
    const remoteTar = `${probed.status.replace(/^missing /, '')}/${bundle.hash}.tar.gz.${randomBytes(4).toString('hex')}.part`;
    await uploadFile(this.pool, target, { path: bundle.tarball, sha256: bundle.sha256, what: 'the Iris program' }, remoteTar, this.options.uploadTimeoutMs);
    const unpack = await this.pool.runScript(target, programUnpackScript(programsDir, bundle.hash, remoteTar, options));
    if (unpack.code !== 0) {
      const parsed = parseBootstrapOutput(unpack.stdout);
      throw new BootstrapStepError('program', parsed.errors[0] ?? `unpack exited ${unpack.code}`, lines(unpack.stdout, unpack.stderr));
    }
    // Best effort: a host that keeps an old version a while longer is no failure.
    await this.pool.runScript(target, programPruneScript(programsDir, bundle.hash)).catch(() => undefined);
    return bundle;
  }
}

/** Where a process keeps the program tarballs it packed, by content hash; see ProgramShipper. */
export const PROGRAM_CACHE_ENV = 'IRIS_PROGRAM_CACHE';

/**
 * `$IRIS_PROGRAM_CACHE`, else `$XDG_CACHE_HOME/iris/programs` (`~/.cache/iris/programs`): one cache
 * per user, shared by every cluster and by the CLI and a local controller, so the program (tens of
 * MB) is packed once per version rather than once per state_dir.
 */
export function programCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[PROGRAM_CACHE_ENV];
  if (explicit) return explicit;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'iris', 'programs');
}

export function lines(...texts: string[]): string[] {
  return texts
    .join('\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
}
