import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';

/**
 * Everything the probe reads from the machine, behind one seam so tests describe a machine as data
 * (a TPU VM, a GPU box) instead of depending on the host they run on.
 */
export interface ProbeSources {
  env: Readonly<Record<string, string | undefined>>;
  hostname(): string;
  cpuCount(): number;
  /** Total memory in bytes. */
  totalMemory(): number;
  /** Free bytes on the filesystem holding `path`. */
  diskFree(path: string): number;
  /** Entry names of a directory; empty when it does not exist. */
  listDir(path: string): string[];
  exists(path: string): boolean;
  readFile(path: string): string | undefined;
  /** Runs a program; resolves undefined when it is missing or fails. */
  run(program: string, args: string[]): Promise<string | undefined>;
  /** Non-internal IPv4 addresses of the machine's interfaces. */
  ipv4Addresses(): string[];
}

export function systemProbeSources(env: Readonly<Record<string, string | undefined>> = process.env): ProbeSources {
  return {
    env,
    hostname: () => os.hostname(),
    cpuCount: () => os.availableParallelism(),
    totalMemory: () => os.totalmem(),
    diskFree: (path) => {
      const s = statfsSync(path);
      return s.bavail * s.bsize;
    },
    listDir: (path) => {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
    exists: (path) => existsSync(path),
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    run: (program, args) =>
      new Promise((resolve) => {
        execFile(program, args, { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
      }),
    ipv4Addresses: () =>
      Object.values(os.networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((a) => a.family === 'IPv4' && !a.internal)
        .map((a) => a.address),
  };
}
