import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComputeApi, EmulatedInstance, InstanceLifecycleListener } from './compute-api.js';

const VM_DOCKER = fileURLToPath(new URL('./vm-docker.sh', import.meta.url));
const VM_DISK = fileURLToPath(new URL('./vm-disk.sh', import.meta.url));
const DISK_COMMANDS = ['mount', 'mountpoint', 'blkid', 'mkfs.ext4'];

export interface GceVmPlayerOptions {
  /** Parent folder of every VM's folder. */
  rootDir: string;
  /** Where the persistent disks' files live, one folder per disk name; they outlive VMs. */
  diskDir: string;
  /** argv that runs the program the controller image would (`node …/iris.js`). */
  entrypoint: readonly string[];
  /** The SSH host key line (`ssh-ed25519 AAAA…`) the guest agent of an instance publishes, if any. */
  hostKey?: (instanceName: string) => string | undefined;
}

interface PlayedVm {
  key: string;
  dir: string;
  startup: ChildProcess | undefined;
  startupExit: Promise<number | null>;
}

/**
 * Plays the emulator's Compute instances, as TpuVmPlayer plays TPU hosts: when an instance starts
 * running, its own `startup-script` metadata runs under bash with a metadata server of its own
 * (attributes, internal IP, guest attributes written back to the emulator), an emulated `docker`
 * whose `run` starts the container's command as a local process, and disk commands that mount the
 * attached persistent disk's folder. Deleting or stopping the instance kills its processes.
 */
export class GceVmPlayer implements InstanceLifecycleListener {
  private readonly vms = new Map<string, PlayedVm>();
  private readonly instances = new Map<string, { project: string; zone: string; instance: EmulatedInstance }>();
  private server: Server | undefined;
  private metadataBase = '';
  private compute: ComputeApi | undefined;

  constructor(private readonly options: GceVmPlayerOptions) {}

  async attach(compute: ComputeApi): Promise<void> {
    this.compute = compute;
    const server = createServer((req, res) => {
      void this.answer(req).then(
        (value) => {
          if (value === undefined) res.writeHead(404).end();
          else res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
        },
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.metadataBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    compute.listeners.push(this);
  }

  async close(): Promise<void> {
    for (const key of [...this.vms.keys()]) this.kill(key);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Startup script output and the container's log of an instance, to explain a failure. */
  logs(instanceName: string): string {
    const vm = [...this.vms.values()].find((v) => v.key.endsWith(`/${instanceName}`));
    const dir = vm?.dir ?? join(this.options.rootDir, instanceName);
    const read = (f: string): string => {
      try {
        return readFileSync(join(dir, f), 'utf8');
      } catch {
        return '';
      }
    };
    return `--- startup ---\n${read('startup.log')}--- container ---\n${read('container.log')}`;
  }

  running(project: string, zone: string, instance: EmulatedInstance): void {
    const key = `${project}/${zone}/${instance.name}`;
    this.instances.set(key, { project, zone, instance });
    const hostKey = this.options.hostKey?.(instance.name);
    if (hostKey !== undefined) {
      const [type, blob] = hostKey.trim().split(/\s+/);
      this.compute?.setGuestAttribute(project, zone, instance.name, `hostkeys/${type}`, blob ?? '');
    }
    this.vms.set(key, this.boot(key, instance));
  }

  gone(project: string, zone: string, instance: EmulatedInstance): void {
    this.kill(`${project}/${zone}/${instance.name}`);
  }

  private boot(key: string, instance: EmulatedInstance): PlayedVm {
    const dir = join(this.options.rootDir, instance.name);
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(VM_DOCKER, join(bin, 'docker'));
    chmodSync(join(bin, 'docker'), 0o755);
    for (const command of DISK_COMMANDS) {
      copyFileSync(VM_DISK, join(bin, command));
      chmodSync(join(bin, command), 0o755);
    }
    const entrypoint = join(bin, 'iris-entrypoint');
    writeFileSync(entrypoint, `#!/bin/sh\nexec ${this.options.entrypoint.map(shellWord).join(' ')} "$@"\n`);
    chmodSync(entrypoint, 0o755);
    const script = instance.metadata.items.find((i) => i.key === 'startup-script')?.value;
    if (script === undefined) return { key, dir, startup: undefined, startupExit: Promise.resolve(0) };
    // The disk attached as iris-state is the folder of the disk it names.
    const stateDisk = instance.disks.find((d) => d.deviceName === 'iris-state' && d.source);
    const diskEnv: Record<string, string> = {};
    if (stateDisk?.source) {
      const diskFolder = join(this.options.diskDir, stateDisk.source.slice(stateDisk.source.lastIndexOf('/') + 1));
      mkdirSync(diskFolder, { recursive: true });
      diskEnv.IRIS_STATE_DEVICE = diskFolder;
    }
    writeFileSync(join(dir, 'startup-script.sh'), script, { mode: 0o700 });
    const child = spawn('bash', [join(dir, 'startup-script.sh')], {
      cwd: dir,
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        IRIS_METADATA_URL: `${this.metadataBase}/${encodeURIComponent(key)}/computeMetadata/v1`,
        IRIS_CONFIG_DIR: join(dir, 'etc'),
        IRIS_VM_DIR: dir,
        IRIS_VM_ENTRYPOINT: entrypoint,
        ...diskEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const startupExit = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        writeFileSync(join(dir, 'startup.log'), output);
        resolve(code);
      }),
    );
    return { key, dir, startup: child, startupExit };
  }

  private kill(key: string): void {
    const vm = this.vms.get(key);
    if (!vm) return;
    vm.startup?.kill('SIGKILL');
    const pid = containerPid(vm.dir);
    if (pid !== undefined) killTree(pid);
    this.vms.delete(key);
  }

  private async answer(req: IncomingMessage): Promise<string | undefined> {
    if (req.headers['metadata-flavor'] !== 'Google') return undefined;
    const m = /^\/([^/]+)\/computeMetadata\/v1\/(.+)$/.exec(req.url ?? '');
    if (!m) return undefined;
    const known = this.instances.get(decodeURIComponent(m[1]!));
    if (!known) return undefined;
    const { project, zone, instance } = known;
    const path = m[2]!;
    if (req.method === 'PUT' && path.startsWith('instance/guest-attributes/')) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      this.compute?.setGuestAttribute(project, zone, instance.name, path.slice('instance/guest-attributes/'.length), Buffer.concat(chunks).toString('utf8'));
      return '';
    }
    if (path.startsWith('instance/attributes/')) return instance.metadata.items.find((i) => i.key === path.slice('instance/attributes/'.length))?.value;
    if (path === 'instance/network-interfaces/0/ip') return instance.networkInterfaces[0]?.networkIP;
    if (path === 'instance/name') return instance.name;
    return undefined;
  }
}

function containerPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'container.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGKILLs a process and every descendant. */
function killTree(root: number): void {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const all: number[] = [];
  const walk = (pid: number): void => {
    all.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
