import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/** One "host": an OpenSSH server of its own on a loopback address, with its own host key. */
export interface TestSshHost {
  address: string;
  port: number;
  hostKeyPub: string;
  config: string;
  process?: ChildProcess;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of execFileSync('ls', ['/proc'], { encoding: 'utf8' }).split('\n')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) for (const c of children.get(stack.pop()!) ?? []) (out.push(c), stack.push(c));
  return out;
}

function isSshd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('sshd');
  } catch {
    return false;
  }
}

/**
 * Real sshd servers for the tests, started as root on 127.0.0.2, .3, .4 with keys generated here.
 * Failing to run them fails the tests loudly: CI installs openssh-server.
 */
export class SshdHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'iris-sshd-'));
  readonly clientKey = join(this.dir, 'id_ed25519');
  readonly refusedKey = join(this.dir, 'refused_ed25519');
  readonly knownHosts = join(this.dir, 'known_hosts');
  readonly hosts = new Map<string, TestSshHost>();

  async start(addresses: readonly string[]): Promise<void> {
    if (!existsSync(SSHD)) {
      throw new Error(`${SSHD} is missing: install openssh-server (apt-get install -y openssh-server); the manual provider tests need a real sshd`);
    }
    if (process.getuid?.() !== 0) throw new Error('the sshd test harness must run as root (sshd needs it to switch users)');
    mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.clientKey]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.refusedKey]);
    writeFileSync(join(this.dir, 'authorized_keys'), readFileSync(`${this.clientKey}.pub`));
    const known: string[] = [];
    for (const address of addresses) {
      const hostKey = join(this.dir, `host_${address}`);
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      const port = await freePort(address);
      const config = join(this.dir, `sshd_${address}.conf`);
      writeFileSync(
        config,
        [
          `ListenAddress ${address}:${port}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(this.dir, `sshd_${address}.pid`)}`,
          `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
          'StrictModes no',
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'AllowTcpForwarding yes',
          'Subsystem sftp internal-sftp',
          'LogLevel ERROR',
          'MaxStartups 100',
          'MaxSessions 100',
        ].join('\n') + '\n',
      );
      const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      known.push(`[${address}]:${port} ${hostKeyPub}`);
      this.hosts.set(address, { address, port, hostKeyPub, config });
      await this.startHost(address);
    }
    writeFileSync(this.knownHosts, known.join('\n') + '\n');
  }

  host(address: string): TestSshHost {
    const h = this.hosts.get(address);
    if (!h) throw new Error(`no test sshd on ${address}`);
    return h;
  }

  async startHost(address: string): Promise<void> {
    const h = this.host(address);
    let stderr = '';
    const child = spawn(SSHD, ['-f', h.config, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    h.process = child;
    for (let i = 0; i < 200; i++) {
      if (await accepts(address, h.port)) return;
      if (child.exitCode !== null) throw new Error(`sshd on ${address}:${h.port} exited (${child.exitCode}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`sshd on ${address}:${h.port} did not accept connections within 5 s: ${stderr}`);
  }

  /** Stops the host's sshd and every session it serves, as a machine going away would. */
  async stopHost(address: string): Promise<void> {
    const h = this.host(address);
    const child = h.process;
    if (!child || child.exitCode !== null) return;
    // Only sshd processes: a worker started through a session must survive its sshd, as on a host.
    const victims = [child.pid!, ...descendants(child.pid!).filter(isSshd)];
    const exited = new Promise((r) => child.once('exit', r));
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await exited;
    h.process = undefined;
  }

  async stop(): Promise<void> {
    for (const address of this.hosts.keys()) await this.stopHost(address);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
