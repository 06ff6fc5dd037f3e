import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatedNode, NodeLifecycleListener, TpuApi } from './tpu-api.js';

/** Chip topology of the emulated pod sizes, as the real tpu-env metadata reports it. */
const TOPOLOGY: Record<string, string> = {
  'v5litepod-4': '2x2',
  'v5litepod-16': '4x4',
  'v5litepod-32': '4x8',
  'v4-8': '2x2x1',
  'v4-16': '2x2x2',
  'v4-32': '2x2x4',
};

const VM_DOCKER = fileURLToPath(new URL('./vm-docker.sh', import.meta.url));

/** One emulated host of a node: the folder it lives in and the bootstrap run on it. */
interface EmulatedVm {
  vmId: string;
  dir: string;
  startup: ChildProcess | undefined;
  startupExit: Promise<number | null>;
}

export interface TpuVmPlayerOptions {
  /** Parent folder of every VM's folder (its config dir, fake /dev, work dir, logs). */
  rootDir: string;
  /** argv that runs the program the worker image would (`node …/iris.js`). */
  entrypoint: readonly string[];
}

/**
 * Plays the VMs of the emulator's TPU nodes, since no TPU VM exists here. When a node becomes
 * READY, each of its hosts runs the node's own `startup-script` metadata under bash, exactly as the
 * platform sent it, with a per-host metadata server and an emulated `docker` whose `run` starts the
 * worker as a local process. So what the workers know (controller address, token, TPU attributes)
 * comes only from what the platform put on the node. Deletion and preemption kill the host's
 * processes, as losing the VM would.
 */
export class TpuVmPlayer implements NodeLifecycleListener {
  private readonly vms = new Map<string, EmulatedVm[]>();
  private readonly nodes = new Map<string, EmulatedNode>();
  private server: Server | undefined;
  private metadataBase = '';

  constructor(private readonly options: TpuVmPlayerOptions) {}

  async attach(tpu: TpuApi): Promise<void> {
    const server = createServer((req, res) => {
      const put = /^\/([^/]+)\/(\d+)\/computeMetadata\/v1\/instance\/guest-attributes\/(.+)$/.exec(req.url ?? '');
      if (req.method === 'PUT' && put && req.headers['metadata-flavor'] === 'Google') {
        const node = this.nodes.get(put[1]!);
        let body = '';
        req.setEncoding('utf8').on('data', (c: string) => (body += c));
        req.on('end', () => {
          if (node) tpu.setGuestAttribute(node.name, Number(put[2]), put[3]!, body);
          res.writeHead(node ? 200 : 404).end();
        });
        return;
      }
      const value = this.metadata(req.url ?? '');
      if (req.headers['metadata-flavor'] !== 'Google' || value === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.metadataBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tpu.listeners.push(this);
  }

  /** Kills every host's processes and stops the metadata server. */
  async close(): Promise<void> {
    for (const nodeId of [...this.vms.keys()]) this.killNode(nodeId);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** VM ids whose worker process is alive now. */
  liveWorkers(): string[] {
    return [...this.vms.values()]
      .flat()
      .filter((vm) => workerPid(vm) !== undefined && isAlive(workerPid(vm)!))
      .map((vm) => vm.vmId);
  }

  /** How each host's bootstrap ended (exit codes), for assertions and diagnosis. */
  async startupExits(nodeId: string): Promise<(number | null)[]> {
    return Promise.all((this.vms.get(nodeId) ?? []).map((vm) => vm.startupExit));
  }

  /** Bootstrap output and worker log of a host, to explain a failure. */
  logs(vmId: string): string {
    const vm = [...this.vms.values()].flat().find((v) => v.vmId === vmId);
    if (!vm) return `(no VM ${vmId})`;
    const read = (f: string): string => {
      try {
        return readFileSync(join(vm.dir, f), 'utf8');
      } catch {
        return '';
      }
    };
    return `--- startup ---\n${read('startup.log')}--- worker ---\n${read('container.log')}`;
  }

  ready(node: EmulatedNode): void {
    const nodeId = nodeIdOf(node);
    this.nodes.set(nodeId, node);
    const script = node.metadata['startup-script'];
    const vms = node.networkEndpoints.map((_, i) => this.bootHost(nodeId, i, script));
    this.vms.set(nodeId, vms);
  }

  gone(node: EmulatedNode): void {
    this.killNode(nodeIdOf(node));
  }

  private bootHost(nodeId: string, index: number, script: string | undefined): EmulatedVm {
    const vmId = `${nodeId}-w-${index}`;
    const dir = join(this.options.rootDir, vmId);
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    mkdirSync(join(dir, 'dev'), { recursive: true });
    copyFileSync(VM_DOCKER, join(bin, 'docker'));
    chmodSync(join(bin, 'docker'), 0o755);
    const entrypoint = join(bin, 'iris-entrypoint');
    writeFileSync(entrypoint, `#!/bin/sh\nexec ${this.options.entrypoint.map(shellWord).join(' ')} "$@"\n`);
    chmodSync(entrypoint, 0o755);
    if (script === undefined) {
      // A node created without a startup script boots to an idle VM.
      return { vmId, dir, startup: undefined, startupExit: Promise.resolve(0) };
    }
    writeFileSync(join(dir, 'startup-script.sh'), script, { mode: 0o700 });
    const child = spawn('bash', [join(dir, 'startup-script.sh')], {
      cwd: dir,
      env: {
        PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        IRIS_METADATA_URL: `${this.metadataBase}/${nodeId}/${index}/computeMetadata/v1`,
        IRIS_CONFIG_DIR: join(dir, 'etc'),
        IRIS_DEV_DIR: join(dir, 'dev'),
        IRIS_VM_DIR: dir,
        IRIS_VM_ENTRYPOINT: entrypoint,
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
    return { vmId, dir, startup: child, startupExit };
  }

  private killNode(nodeId: string): void {
    for (const vm of this.vms.get(nodeId) ?? []) {
      vm.startup?.kill('SIGKILL');
      const pid = workerPid(vm);
      if (pid !== undefined) killTree(pid);
    }
    this.vms.delete(nodeId);
  }

  /** What the GCE metadata server of host `index` of a node answers under `/computeMetadata/v1/`. */
  private metadata(url: string): string | undefined {
    const m = /^\/([^/]+)\/(\d+)\/computeMetadata\/v1\/(.+)$/.exec(url);
    if (!m) return undefined;
    const node = this.nodes.get(m[1]!);
    if (!node) return undefined;
    const nodeId = m[1]!;
    const index = Number(m[2]);
    const endpoints = node.networkEndpoints;
    const scheduling = node.schedulingConfig ?? {};
    const values: Record<string, string> = {
      'instance/attributes/accelerator-type': node.acceleratorType,
      'instance/attributes/agent-worker-number': String(index),
      'instance/attributes/tpu-env': [
        `ACCELERATOR_TYPE: '${node.acceleratorType}'`,
        `NODE_ID: '${nodeId}'`,
        `TOPOLOGY: '${TOPOLOGY[node.acceleratorType] ?? ''}'`,
        `WORKER_ID: '${index}'`,
        '',
      ].join('\n'),
      'instance/attributes/worker-network-endpoints': endpoints.map((e, i) => `w${i}:uid${i}:${e.ipAddress}`).join(','),
      'instance/scheduling/preemptible': scheduling.preemptible === true || scheduling.spot === true ? 'TRUE' : 'FALSE',
      'instance/network-interfaces/0/ip': endpoints[index]?.ipAddress ?? '',
      'instance/name': `t1v-n-${nodeId.slice(-8)}-w-${index}`,
    };
    return values[m[3]!];
  }
}

function nodeIdOf(node: EmulatedNode): string {
  return node.name.slice(node.name.lastIndexOf('/') + 1);
}

function workerPid(vm: EmulatedVm): number | undefined {
  try {
    const pid = Number(readFileSync(join(vm.dir, 'container.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    // A zombie still answers signal 0; its state letter says it is dead.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILLs a process and every descendant (tasks may have left its process group). */
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
