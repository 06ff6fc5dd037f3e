import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '@iris/core';
import { type AttemptStart } from '@iris/core/api';
import { containerName, dockerRunArgs, MANAGED_LABEL } from './docker-args.js';
import { DockerRuntime, dockerExitStatus } from './docker-runtime.js';
import { readExitFile } from './process-runtime.js';

const context = { workerId: 'w-1', controllerUrl: 'http://ctl:1' };

function start(over: Partial<AttemptStart> = {}): AttemptStart {
  return {
    task_id: '/team/run/0',
    attempt: 1,
    job: '/team/run',
    task_index: 0,
    num_tasks: 1,
    command: ['python', 'train.py', '--steps', '10'],
    env: { A: '1' },
    ports: [],
    resources: { cpu: 2, memory_bytes: 4 * 2 ** 30, disk_bytes: 0 },
    ...over,
  };
}

/**
 * A stand-in for the docker CLI: records each argv (one file line per call, args joined by \x1f).
 * `run` records its own environment in <name>.env and starts the "container": a sleep in a
 * session of its own (so, as with a real daemon, killing the CLI's process group leaves it
 * running), recorded by container name in <name>.pid so `kill` can signal it; the CLI then waits
 * for it and exits like the real one (128+N when the container died of signal N). A container
 * whose command is `ignore-term` ignores SIGTERM.
 */
function fakeDocker(): { bin: string; log: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iris-fake-docker-'));
  fakeDirs.push(dir);
  const log = join(dir, 'argv.log');
  const bin = join(dir, 'docker');
  writeFileSync(
    bin,
    `#!/bin/sh
printf '%s\\037' "$@" >> "${log}"; echo >> "${log}"
cmd="$1"; shift
case "$cmd" in
  run)
    name=""; last=""; while [ $# -gt 0 ]; do [ "$1" = "--name" ] && name="$2"; last="$1"; shift; done
    env > "${dir}/$name.env"
    echo "container $name starting"; echo "warn line" >&2
    [ -n "$FAKE_DOCKER_EXIT" ] && exit "$FAKE_DOCKER_EXIT"
    # The container records its own pid once ready (after its trap), then becomes the sleep.
    trap=""; [ "$last" = "ignore-term" ] && trap='trap "" TERM;'
    setsid sh -c "$trap"' echo $$ > "$0.tmp"; mv "$0.tmp" "$0"; exec sleep 600' "${dir}/$name.pid" >/dev/null 2>&1 &
    container=$!
    while [ ! -f "${dir}/$name.pid" ]; do sleep 0.01; done
    echo "ready"
    wait $container; exit $? ;;
  kill)
    sig="$2"; name="$3"; [ -f "${dir}/$name.pid" ] || exit 1
    kill -s "\${sig#SIG}" "$(cat "${dir}/$name.pid")" ;;
  ps)
    echo abc123; echo def456 ;;
  rm) ;;
  inspect)
    [ "$3" = "known" ] || { echo "Error: No such object: $3" >&2; exit 1; }
    echo '{"Status":"running","Running":true,"OOMKilled":false,"ExitCode":0}' ;;
esac
`,
  );
  chmodSync(bin, 0o755);
  return { bin, log, dir };
}

/** Fake docker dirs of this file: the afterEach kills any "container" a failed test left. */
const fakeDirs: string[] = [];
afterEach(() => {
  for (const dir of fakeDirs.splice(0)) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.pid'))) {
      const pid = Number(readFileSync(join(dir, file), 'utf8').trim());
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }
});

/** The "container" process of `name`, once the fake docker started it. */
function containerPid(dir: string, name: string): number | undefined {
  const file = join(dir, `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

/** True while `pid` runs (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function calls(log: string): string[][] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\x1f').filter((a) => a !== ''));
}

function killCalls(log: string): string[][] {
  return calls(log).filter((c) => c[0] === 'kill');
}

/** Polls `cond` until it holds; generous: CI runs many test files at once on two cores. */
async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('dockerRunArgs', () => {
  const cpuHost = { type: 'cpu', devices: [] };

  it('builds a CPU task: labels, limits, mount, env, ports, image, command', () => {
    const args = dockerRunArgs(
      { start: start(), workDir: '/cache/bundles/abc' },
      {
        image: 'iris-task:latest',
        name: 'iris-team-run-0-a1',
        workerId: 'w-1',
        env: { B: '2', A: '1' },
        ports: { http: 31000 },
        accelerator: cpuHost,
        user: '1000:1000',
      },
    );
    expect(args).toEqual([
      'run',
      '--rm',
      '--name',
      'iris-team-run-0-a1',
      '--label',
      MANAGED_LABEL,
      '--label',
      'iris.job=/team/run',
      '--label',
      'iris.task_id=/team/run/0',
      '--label',
      'iris.attempt=1',
      '--label',
      'iris.worker_id=w-1',
      '--security-opt',
      'no-new-privileges',
      '--cap-drop',
      'ALL',
      '--add-host=host.docker.internal:host-gateway',
      '-p',
      '31000:31000',
      '--cpus',
      '2',
      '--memory',
      '4096m',
      '--user',
      '1000:1000',
      '-v',
      '/cache/bundles/abc:/app',
      '-w',
      '/app',
      '-e',
      'A=1',
      '-e',
      'B=2',
      '-e',
      'IRIS_WORKDIR=/app',
      'iris-task:latest',
      'python',
      'train.py',
      '--steps',
      '10',
    ]);
  });

  it('gives TPU tasks host networking, privileged mode and the TPU devices', () => {
    const args = dockerRunArgs(
      {
        start: start({ resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0, accelerator: { type: 'tpu', variant: 'v5litepod-16', count: 4 } } }),
        workDir: '/w',
      },
      { image: 'img', name: 'n', workerId: 'w', env: {}, ports: { coord: 8476 }, accelerator: { type: 'tpu', devices: ['/dev/vfio/0', '/dev/vfio/1'] } },
    );
    const joined = args.join(' ');
    expect(joined).toContain('--network=host --privileged');
    expect(joined).toContain('--device /dev/vfio/0:/dev/vfio/0 --device /dev/vfio/1:/dev/vfio/1 --device /dev/vfio/vfio:/dev/vfio/vfio');
    expect(joined).toContain('--shm-size=100g --cap-add=SYS_RESOURCE --ulimit memlock=68719476736:68719476736');
    expect(joined).toContain('-e JAX_PLATFORMS=tpu,cpu -e PJRT_DEVICE=TPU');
    expect(joined).not.toContain('--cap-drop');
    expect(joined).not.toContain('-p 8476'); // host network: nothing to publish
    expect(joined).not.toContain('--cpus');
    const accel = dockerRunArgs(
      { start: start({ resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0, accelerator: { type: 'tpu', count: 4 } } }), workDir: '/w' },
      { image: 'img', name: 'n', workerId: 'w', env: {}, ports: {}, accelerator: { type: 'tpu', devices: ['/dev/accel0'] } },
    ).join(' ');
    expect(accel).toContain('--device /dev/accel0:/dev/accel0');
    expect(accel).not.toContain('/dev/vfio');
  });

  it('asks for GPUs with --gpus', () => {
    const args = dockerRunArgs(
      { start: start({ resources: { cpu: 1, memory_bytes: 0, disk_bytes: 0, accelerator: { type: 'gpu', count: 2 } } }), workDir: '/w' },
      { image: 'img', name: 'n', workerId: 'w', env: {}, ports: {}, accelerator: { type: 'gpu', devices: [] } },
    );
    expect(args.join(' ')).toContain('--gpus 2');
  });

  it('names containers within docker’s alphabet', () => {
    expect(containerName('/team/run #1/12', 3)).toBe('iris-team-run-1-12-a3');
  });

  it('maps 128+N from the CLI to the signal N, leaving the CLI’s own codes', () => {
    expect(dockerExitStatus(137, null)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(dockerExitStatus(143, null)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(dockerExitStatus(125, null)).toEqual({ code: 125, signal: null });
    expect(dockerExitStatus(0, null)).toEqual({ code: 0, signal: null });
  });
});

// Generous: every wait polls a condition, and CI runs many test files at once on two cores.
describe('DockerRuntime with a fake docker CLI', { timeout: 120_000 }, () => {
  it('runs the container attached, streaming its output and passing TPU_* through for TPU tasks', async () => {
    const fake = fakeDocker();
    const workDir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const rt = new DockerRuntime({
      clock: new SystemClock(),
      killGraceMs: 1000,
      image: 'iris-task:latest',
      dockerBinary: fake.bin,
      accelerator: { type: 'tpu', devices: ['/dev/accel0'] },
      baseEnv: { TPU_NAME: 'slice-a', HOME: '/root' },
    });
    const lines: string[] = [];
    // The CLI itself runs with the worker's environment; this tells the fake to exit 3.
    process.env['FAKE_DOCKER_EXIT'] = '3';
    try {
      const a = await rt.start(
        { start: start({ resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0, accelerator: { type: 'tpu', count: 1 } } }), workDir },
        context,
        (s, l) => lines.push(`${s}:${l}`),
      );
      const exit = await a.exited;
      expect(exit).toMatchObject({ exitCode: 3, error: 'exit code 3: warn line' });
    } finally {
      delete process.env['FAKE_DOCKER_EXIT'];
    }
    expect(lines).toEqual(['stdout:container iris-team-run-0-a1 starting', 'stderr:warn line']);
    const [argv] = calls(fake.log);
    expect(argv?.[0]).toBe('run');
    expect(argv).toContain('TPU_NAME=slice-a');
    expect(argv).toContain('IRIS_WORKER_ID=w-1');
    expect(argv).not.toContain('HOME=/root');
    expect(argv?.slice(-5)).toEqual(['iris-task:latest', 'python', 'train.py', '--steps', '10']);
  });

  it('stops a container with docker kill SIGTERM, then SIGKILL after the grace', async () => {
    const fake = fakeDocker();
    const clock = new FakeClock();
    const rt = new DockerRuntime({ clock, killGraceMs: 5000, image: 'img', dockerBinary: fake.bin, accelerator: { type: 'cpu', devices: [] } });
    const lines: string[] = [];
    const a = await rt.start({ start: start(), workDir: mkdtempSync(join(tmpdir(), 'iris-dw-')) }, context, (_s, l) => lines.push(l));
    await until(() => lines.includes('ready'));
    const exit = await a.kill('job killed');
    expect(exit).toMatchObject({ signal: 'SIGTERM', killed: true, error: 'job killed' });
    expect(calls(fake.log).filter((c) => c[0] === 'kill')).toEqual([['kill', '--signal', 'SIGTERM', 'iris-team-run-0-a1']]);
  });

  it('sends SIGKILL through docker kill once the grace passes when the container ignores SIGTERM', async () => {
    const fake = fakeDocker();
    const clock = new FakeClock();
    const rt = new DockerRuntime({ clock, killGraceMs: 5000, image: 'img', dockerBinary: fake.bin, accelerator: { type: 'cpu', devices: [] } });
    const lines: string[] = [];
    const a = await rt.start({ start: start({ command: ['ignore-term'] }), workDir: mkdtempSync(join(tmpdir(), 'iris-dw-')) }, context, (_s, l) =>
      lines.push(l),
    );
    await until(() => lines.includes('ready'));
    const pid = containerPid(fake.dir, 'iris-team-run-0-a1')!;
    const exited = a.kill('job killed');
    await until(() => killCalls(fake.log).length === 1);
    // The TERM was delivered and ignored: the container still runs until the grace passes.
    expect(alive(pid)).toBe(true);
    await clock.advance(5000);
    const exit = await exited;
    expect(exit).toMatchObject({ signal: 'SIGKILL', killed: true, error: 'job killed' });
    expect(killCalls(fake.log)).toEqual([
      ['kill', '--signal', 'SIGTERM', 'iris-team-run-0-a1'],
      ['kill', '--signal', 'SIGKILL', 'iris-team-run-0-a1'],
    ]);
    await until(() => !alive(pid));
  });

  it('maps a container that died of a signal to that signal, and records the end in the exit file', async () => {
    const fake = fakeDocker();
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const rt = new DockerRuntime({
      clock: new SystemClock(),
      killGraceMs: 1000,
      image: 'img',
      dockerBinary: fake.bin,
      accelerator: { type: 'cpu', devices: [] },
    });
    const lines: string[] = [];
    const exitFile = join(dir, 'attempt.exit');
    const a = await rt.start({ start: start(), workDir: dir, exitFile }, context, (_s, l) => lines.push(l));
    await until(() => lines.includes('ready'));
    // What the kernel's OOM killer does to a container: the CLI exits 137.
    process.kill(containerPid(fake.dir, 'iris-team-run-0-a1')!, 'SIGKILL');
    const exit = await a.exited;
    expect(exit).toMatchObject({ exitCode: undefined, signal: 'SIGKILL', killed: false, error: 'killed by SIGKILL (possibly out of memory)' });
    expect(exit.fenced).toBeUndefined();
    // A worker restarted before reporting reads the container's status, not the CLI's.
    expect(readExitFile(exitFile)).toEqual({ code: null, signal: 'SIGKILL', lifeline_lost: false, lease_expired: false });
    expect(killCalls(fake.log)).toEqual([]);
  });

  it('never hands the worker credentials to the docker CLI or the container', async () => {
    const fake = fakeDocker();
    const rt = new DockerRuntime({
      clock: new SystemClock(),
      killGraceMs: 1000,
      image: 'img',
      dockerBinary: fake.bin,
      accelerator: { type: 'cpu', devices: [] },
      baseEnv: { IRIS_TOKEN: 'master-secret', IRIS_JOIN_TOKEN: 'join-secret' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const saved = { token: process.env['IRIS_TOKEN'], join: process.env['IRIS_JOIN_TOKEN'] };
    process.env['IRIS_TOKEN'] = 'master-secret';
    process.env['IRIS_JOIN_TOKEN'] = 'join-secret';
    process.env['FAKE_DOCKER_EXIT'] = '4';
    try {
      const a = await rt.start(
        {
          start: start(),
          workDir: dir,
          exitFile: join(dir, 'attempt.exit'),
          endReport: { url: 'http://127.0.0.1:9/report', token: 'worker-secret', graceMs: 1000, giveUpMs: 1000 },
        },
        context,
        () => undefined,
      );
      expect(await a.exited).toMatchObject({ exitCode: 4 });
    } finally {
      for (const [k, v] of [
        ['IRIS_TOKEN', saved.token],
        ['IRIS_JOIN_TOKEN', saved.join],
        ['FAKE_DOCKER_EXIT', undefined],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const cliEnv = readFileSync(join(fake.dir, 'iris-team-run-0-a1.env'), 'utf8');
    const argv = calls(fake.log)[0]!.join(' ');
    for (const secret of ['master-secret', 'join-secret', 'worker-secret']) {
      expect(cliEnv).not.toContain(secret);
      expect(argv).not.toContain(secret);
    }
    expect(cliEnv).toContain('IRIS_TASK_ID=/team/run/0');
  });

  it('inspects a container and reports a missing one as undefined', async () => {
    const fake = fakeDocker();
    const rt = new DockerRuntime({ clock: new SystemClock(), killGraceMs: 1, image: 'img', dockerBinary: fake.bin, accelerator: { type: 'cpu', devices: [] } });
    expect(await rt.inspect('known')).toEqual({ Status: 'running', Running: true, OOMKilled: false, ExitCode: 0 });
    expect(await rt.inspect('gone')).toBeUndefined();
    expect(await rt.kill('gone', 'SIGKILL')).toBe(false);
  });

  it('removes the containers a previous life of the worker left, by label', async () => {
    const fake = fakeDocker();
    const rt = new DockerRuntime({ clock: new SystemClock(), killGraceMs: 1, image: 'img', dockerBinary: fake.bin, accelerator: { type: 'cpu', devices: [] } });
    expect(await rt.removeLeftovers('w-7')).toEqual(['abc123', 'def456']);
    expect(calls(fake.log)).toEqual([
      ['ps', '-aq', '--filter', 'label=iris.managed=true', '--filter', 'label=iris.worker_id=w-7'],
      ['rm', '-f', 'abc123', 'def456'],
    ]);
  });
});

// The docker CLI runs under the attempt's supervisor: when the worker dies or stops renewing its
// lease, the supervisor kills the CLI's group AND runs `docker kill`, since the container belongs
// to the docker daemon and would otherwise keep running while the controller starts the task
// elsewhere.
describe('docker attempts under the supervisor', { timeout: 120_000 }, () => {
  const NAME = 'iris-team-run-0-a1';

  it('kills the container when the worker dies (its lifeline closes)', async () => {
    const fake = fakeDocker();
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    // A stand-in worker: the built runtime in a process of its own, killed with SIGKILL below.
    const script = join(dir, 'worker.mjs');
    writeFileSync(
      script,
      `const [runtimeModule, coreModule, docker, startJson, workDir] = process.argv.slice(2);
const { DockerRuntime } = await import(runtimeModule);
const { SystemClock } = await import(coreModule);
const rt = new DockerRuntime({ clock: new SystemClock(), killGraceMs: 1000, image: 'img', dockerBinary: docker, accelerator: { type: 'cpu', devices: [] } });
await rt.start({ start: JSON.parse(startJson), workDir }, { workerId: 'w-1', controllerUrl: 'http://ctl:1' }, (_s, line) => {
  if (line === 'ready') process.stdout.write('ready\\n');
});
setInterval(() => undefined, 60_000);
`,
    );
    const runtimeModule = fileURLToPath(new URL('../../dist/runtime/docker-runtime.js', import.meta.url));
    const coreModule = createRequire(import.meta.url).resolve('@iris/core');
    const worker = spawn(process.execPath, [script, runtimeModule, coreModule, fake.bin, JSON.stringify(start()), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    worker.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const workerExited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      await until(() => out.includes('ready') || worker.exitCode !== null);
      expect(out).toContain('ready');
      const pid = containerPid(fake.dir, NAME)!;
      expect(alive(pid)).toBe(true);
      worker.kill('SIGKILL');
      await workerExited;
      await until(() => !alive(pid));
      expect(killCalls(fake.log)).toContainEqual(['kill', '--signal', 'SIGKILL', NAME]);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    }
  });

  it('kills the container when the worker stops renewing its lease, and says the attempt was fenced', async () => {
    const fake = fakeDocker();
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const rt = new DockerRuntime({
      clock: new SystemClock(),
      killGraceMs: 1000,
      image: 'img',
      dockerBinary: fake.bin,
      accelerator: { type: 'cpu', devices: [] },
    });
    const lines: string[] = [];
    const exitFile = join(dir, 'attempt.exit');
    // Never renewed: the supervisor fences the attempt one lease after it started.
    const a = await rt.start({ start: start(), workDir: dir, exitFile, leaseMs: 1000 }, context, (_s, l) => lines.push(l));
    const exit = await Promise.race([a.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 60_000))]);
    expect(exit).toMatchObject({ fenced: true, error: expect.stringMatching(/stopped renewing the lease/) });
    expect(killCalls(fake.log)).toContainEqual(['kill', '--signal', 'SIGKILL', NAME]);
    // The end is recorded once the fence's docker kill is done: the container has its SIGKILL (on a
    // loaded machine it may take a moment to be scheduled and die).
    const pid = containerPid(fake.dir, NAME);
    if (pid !== undefined) await until(() => !alive(pid));
    expect(readExitFile(exitFile)).toMatchObject({ lease_expired: true, lifeline_lost: false });
  });

  it('records the running CLI in the pid dir until the attempt ends', async () => {
    const fake = fakeDocker();
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const pidDir = join(dir, 'pids');
    const rt = new DockerRuntime({
      clock: new SystemClock(),
      killGraceMs: 1000,
      image: 'img',
      dockerBinary: fake.bin,
      accelerator: { type: 'cpu', devices: [] },
      pidDir,
    });
    const lines: string[] = [];
    const a = await rt.start({ start: start(), workDir: dir }, context, (_s, l) => lines.push(l));
    await until(() => lines.includes('ready'));
    const [pidFile] = readdirSync(pidDir);
    expect(pidFile).toBe(`${encodeURIComponent('/team/run/0')}.1.pid`);
    // The group a restarted worker would end: the docker CLI's, recognisable by the attempt's id.
    const pgid = Number(readFileSync(join(pidDir, pidFile!), 'utf8'));
    expect(readFileSync(`/proc/${pgid}/environ`, 'utf8').split('\0')).toContain('IRIS_TASK_ID=/team/run/0');
    await a.kill('done');
    expect(readdirSync(pidDir)).toEqual([]);
  });

  it('hands a container’s success to the end reporter, which tells the controller when the worker does not', async () => {
    const fake = fakeDocker();
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const received: Array<{ auth: string | undefined; body: Record<string, unknown> }> = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/workers/w-1/attempt-ends`;
      const rt = new DockerRuntime({
        clock: new SystemClock(),
        killGraceMs: 1000,
        image: 'img',
        dockerBinary: fake.bin,
        accelerator: { type: 'cpu', devices: [] },
      });
      process.env['FAKE_DOCKER_EXIT'] = '0';
      let exit;
      try {
        const a = await rt.start(
          { start: start(), workDir: dir, exitFile: join(dir, 'attempt.exit'), endReport: { url, token: 'worker-secret', graceMs: 200, giveUpMs: 60_000 } },
          context,
          () => undefined,
        );
        exit = await a.exited;
      } finally {
        delete process.env['FAKE_DOCKER_EXIT'];
      }
      expect(exit).toMatchObject({ exitCode: 0, error: undefined });
      // The worker here never removes the exit file (as if it froze): the reporter posts the end.
      await until(() => received.length > 0);
      expect(received[0]).toMatchObject({ auth: 'Bearer worker-secret', body: { task_id: '/team/run/0', attempt: 1, state: 'SUCCEEDED', exit_code: 0 } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps a container whose lease the worker renews', async () => {
    const fake = fakeDocker();
    const dir = mkdtempSync(join(tmpdir(), 'iris-dw-'));
    const rt = new DockerRuntime({
      clock: new SystemClock(),
      killGraceMs: 1000,
      image: 'img',
      dockerBinary: fake.bin,
      accelerator: { type: 'cpu', devices: [] },
    });
    const lines: string[] = [];
    const a = await rt.start({ start: start(), workDir: dir, leaseMs: 6000 }, context, (_s, l) => lines.push(l));
    await until(() => lines.includes('ready'));
    // Renewed for longer than one lease: still running, no fence.
    const renewing = setInterval(() => rt.renewLeases(), 100);
    try {
      await new Promise((r) => setTimeout(r, 7000));
      expect(alive(containerPid(fake.dir, NAME)!)).toBe(true);
      expect(killCalls(fake.log)).toEqual([]);
    } finally {
      clearInterval(renewing);
    }
    const exit = await a.kill('done');
    expect(exit).toMatchObject({ killed: true, signal: 'SIGTERM' });
    expect(exit.fenced).toBeUndefined();
  });
});
