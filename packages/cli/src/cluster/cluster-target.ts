import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SystemClock, silentLogger, type ControllerHost, type Platform, type PlatformDeps } from '@iris/core';
import { type LoadedCluster } from '@iris/core/config';
import { CLI_PACKAGE_DIR } from '../builtins.js';
import { clusterLoadOptions, loadClusterFile } from '../cluster-file.js';
import type { CliIo } from '../context.js';
import { builtinClusterYaml, builtinStateDir } from './builtin-cluster.js';

/** The argv that runs this very `iris` (providers start workers and controllers with it). */
export function irisCommand(): string[] {
  return [process.execPath, join(CLI_PACKAGE_DIR, 'bin', 'iris.js')];
}

export interface ClusterTarget {
  cluster: LoadedCluster;
  /** Absolute path of the cluster file (the built-in cluster is written to its state dir). */
  clusterFile: string;
  deps: PlatformDeps;
}

/**
 * The cluster a command acts on: the file given with -c, else the built-in local cluster (whose
 * file is written into its state dir so the controller process can load the same thing).
 */
export async function resolveClusterTarget(file: string | undefined, io: CliIo): Promise<ClusterTarget> {
  let clusterFile: string;
  if (file === undefined) {
    const stateDir = builtinStateDir(io.env);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    clusterFile = join(stateDir, 'cluster.yaml');
    writeFileSync(clusterFile, builtinClusterYaml(stateDir));
  } else {
    clusterFile = resolve(io.cwd, file);
  }
  const cluster =
    file === undefined ? await (await import('@iris/core/config')).loadCluster(clusterFile, await clusterLoadOptions(io)) : await loadClusterFile(file, io);
  for (const w of cluster.warnings) io.err(`warning: ${w.file}:${w.line}:${w.column} ${w.path}: ${w.message}\n`);
  const { config } = cluster;
  const deps: PlatformDeps = {
    clusterName: config.name,
    bootstrap: config.defaults.bootstrap,
    timeouts: config.defaults.timeouts,
    ssh: config.defaults.ssh,
    clock: new SystemClock(),
    logger: silentLogger,
    stateDir: config.controller.state_dir,
    irisCommand: irisCommand(),
    clusterFile,
  };
  return { cluster, clusterFile, deps };
}

export async function controllerHostOf(target: ClusterTarget): Promise<{ platform: Platform; host: ControllerHost }> {
  const { config, registry } = target.cluster;
  const platform = await registry.createPlatform(config.controller.provider, target.deps);
  return { platform, host: platform.controllerHost(config.controller) };
}
