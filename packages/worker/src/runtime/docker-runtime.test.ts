import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '@iris/core';
import { type AttemptStart } from '@iris/core/api';
import { containerName, dockerRunArgs, MANAGED_LABEL } from './docker-args.js';
import { DockerRuntime, dockerExitStatus } from './docker-runtime.js';

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
 * A stand-in for the docker CLI: records each argv (one file line per call, args joined by \x1f),
 * and for `run` starts a sleep it records by container name so `kill` can signal it, then exits
 * like the CLI does (128+N when the "container" died of signal N).
 */
function fakeDocker(): { bin: string; log: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iris-fake-docker-'));
  const log = join(dir, 'argv.log');
  const bin = join(dir, 'docker');
  writeFileSync(
    bin,
    `#!/bin/sh
printf '%s\\037' "$@" >> "${log}"; echo >> "${log}"
cmd="$1"; shift
case "$cmd" in
  run)
    name=""; while [ $# -gt 0 ]; do [ "$1" = "--name" ] && name="$2"; shift; done
    echo "container $name starting"; echo "warn line" >&2
    [ -n "$FAKE_DOCKER_EXIT" ] && exit "$FAKE_DOCKER_EXIT"
    sleep 60 & echo $! > "${dir}/$name.pid"; echo "ready"
    wait $!; exit $? ;;
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

function calls(log: string): string[][] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\x1f').filter((a) => a !== ''));
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
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

describe('DockerRuntime with a fake docker CLI', () => {
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
