import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/**
 * How long sshd may take to accept connections. Generous on purpose: CI runs many test projects
 * at once on two cores, where starting a process can take seconds.
 */
const READY_DEADLINE_MS = 60_000;
/** Attempts at a fresh port when another process takes the one picked before sshd binds it. */
const PORT_ATTEMPTS = 8;

/** One "host": an OpenSSH server of its own on a loopback address, with its own host key. */
export interface TestSshHost {
  address: string;
  port: number;
  hostKeyPub: string;
  config: string;
  /** False for a host started without an SFTP subsystem (as hardened hosts are). */
  sftp: boolean;
  process?: ChildProcess;
}

export interface SshdStartOptions {
  /** Addresses whose sshd runs without `Subsystem sftp`. */
  withoutSftp?: readonly string[];
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** True when something on `address:port` sends an SSH banner (so it is an sshd, not a stranger on the port). */
function speaksSsh(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address, port });
    let banner = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(10_000, () => done(false));
    socket.on('data', (d: Buffer) => {
      banner += d.toString('latin1');
      if (banner.includes('\n')) done(banner.startsWith('SSH-'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(banner.startsWith('SSH-')));
  });
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
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
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function isSshd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('sshd');
  } catch {
    return false;
  }
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

class PortTaken extends Error {}

/**
 * Real sshd servers for the tests, started as root on loopback addresses (127.0.0.2, .3, …) with
 * keys generated here, each on a free port. Failing to run them fails the tests loudly: CI
 * installs openssh-server. Several test files may use the same addresses at once: ports are
 * always picked free, and a port taken between the pick and sshd's bind is picked again.
 */
export class SshdHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'iris-sshd-'));
  readonly clientKey = join(this.dir, 'id_ed25519');
  readonly refusedKey = join(this.dir, 'refused_ed25519');
  readonly knownHosts = join(this.dir, 'known_hosts');
  readonly hosts = new Map<string, TestSshHost>();

  async start(addresses: readonly string[], options: SshdStartOptions = {}): Promise<void> {
    if (!existsSync(SSHD)) {
      throw new Error(`${SSHD} is missing: install openssh-server (apt-get install -y openssh-server); the manual provider tests need a real sshd`);
    }
    if (process.getuid?.() !== 0) throw new Error('the sshd test harness must run as root (sshd needs it to switch users)');
    mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
    if (!existsSync(this.clientKey)) {
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.clientKey]);
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', this.refusedKey]);
      writeFileSync(join(this.dir, 'authorized_keys'), readFileSync(`${this.clientKey}.pub`));
    }
    const withoutSftp = new Set(options.withoutSftp ?? []);
    await Promise.all(addresses.map((address) => this.addHost(address, !withoutSftp.has(address))));
    this.writeKnownHosts();
  }

  private async addHost(address: string, sftp: boolean): Promise<void> {
    const hostKey = join(this.dir, `host_${address}`);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    const hostKeyPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const config = join(this.dir, `sshd_${address}.conf`);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(address);
      writeFileSync(config, this.configText(address, port, hostKey, sftp));
      const host: TestSshHost = { address, port, hostKeyPub, config, sftp };
      this.hosts.set(address, host);
      try {
        await this.launch(host);
        return;
      } catch (err) {
        if (!(err instanceof PortTaken) || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  }

  private configText(address: string, port: number, hostKey: string, sftp: boolean): string {
    return (
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
        ...(sftp ? ['Subsystem sftp internal-sftp'] : []),
        'LogLevel ERROR',
        'MaxStartups 100',
        'MaxSessions 100',
        'LoginGraceTime 300',
      ].join('\n') + '\n'
    );
  }

  private writeKnownHosts(): void {
    const lines = [...this.hosts.values()].map((h) => `[${h.address}]:${h.port} ${h.hostKeyPub}`);
    writeFileSync(this.knownHosts, lines.join('\n') + '\n');
  }

  host(address: string): TestSshHost {
    const h = this.hosts.get(address);
    if (!h) throw new Error(`no test sshd on ${address}`);
    return h;
  }

  /** Starts sshd and resolves once it answers with an SSH banner; PortTaken when it cannot bind. */
  private async launch(h: TestSshHost): Promise<void> {
    let stderr = '';
    const child = spawn(SSHD, ['-f', h.config, '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    h.process = child;
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        h.process = undefined;
        await exited;
        const message = `sshd on ${h.address}:${h.port} exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`;
        if (/Address already in use|Cannot bind any address/i.test(stderr)) throw new PortTaken(message);
        throw new Error(message);
      }
      // The banner must come from our sshd: a stranger that took the port would answer too.
      if ((await speaksSsh(h.address, h.port)) && child.exitCode === null) return;
      if (Date.now() > deadline) {
        signal([child.pid!], 'SIGKILL');
        await exited;
        h.process = undefined;
        throw new Error(`sshd on ${h.address}:${h.port} did not accept connections within ${READY_DEADLINE_MS / 1000} s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** (Re)starts the host's sshd on its port, e.g. after stopHost; retries while the port is still held. */
  async startHost(address: string): Promise<void> {
    const h = this.host(address);
    if (h.process && h.process.exitCode === null) return;
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      try {
        await this.launch(h);
        return;
      } catch (err) {
        if (!(err instanceof PortTaken) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** The host's sshd and the sshd processes serving its sessions (not what those sessions started). */
  private sshdProcesses(h: TestSshHost): number[] {
    const child = h.process;
    if (!child?.pid || child.exitCode !== null) return [];
    return [child.pid, ...descendants(child.pid).filter(isSshd)];
  }

  /** Stops the host's sshd and every session it serves, as a machine going away would. */
  async stopHost(address: string): Promise<void> {
    const h = this.host(address);
    const child = h.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      h.process = undefined;
      return;
    }
    // Only sshd processes: a worker started through a session must survive its sshd, as on a host.
    const victims = this.sshdProcesses(h);
    const exited = new Promise((r) => child.once('exit', r));
    signal(victims, 'SIGCONT'); // a frozen host must be able to die
    signal(victims, 'SIGKILL');
    await exited;
    h.process = undefined;
  }

  /**
   * Freezes the host's sshd and its sessions (SIGSTOP): connections are accepted by the kernel but
   * never answered, and open sessions hang — a machine that hangs or a network that drops packets.
   * `thawHost` resumes it.
   */
  freezeHost(address: string): void {
    signal(this.sshdProcesses(this.host(address)), 'SIGSTOP');
  }

  thawHost(address: string): void {
    signal(this.sshdProcesses(this.host(address)), 'SIGCONT');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.hosts.keys()].map((address) => this.stopHost(address)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
