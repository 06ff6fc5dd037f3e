import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The worker's id: the explicit one, else the VM address (it ties an autoscaled worker to its
 * slice), else an id kept in the work dir so a restarted worker comes back as itself.
 */
export function resolveWorkerId(options: {
  explicit?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  workDir: string;
  hostname: string;
}): string {
  if (options.explicit) return options.explicit;
  const vm = options.env['IRIS_VM_ADDRESS'];
  if (vm) return vm;
  const file = join(options.workDir, 'worker-id');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved !== '') return saved;
  }
  const id = `${options.hostname}-${randomBytes(3).toString('hex')}`;
  writeFileSync(file, `${id}\n`);
  return id;
}
