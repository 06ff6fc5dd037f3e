import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { IrisClient } from '@iris/core/api';
import { waitFor, WORKER_MAIN } from '../e2e/cluster-processes.js';
import { alive, lines, procState, useFaultProcesses } from './fault-processes.js';

// A worker with the docker runtime dies (SIGKILL) or freezes (SIGSTOP) while its task runs. The
// container belongs to the docker daemon, not to the worker: without the attempt's supervisor
// running `docker kill`, it would keep running while the controller starts the task on another
// worker, and the task would run twice. Real controller and worker processes; the docker CLI is a
// fake (fixtures/fake-docker.mjs) whose containers live in sessions of their own, as real ones do.
// Every wait polls a condition with a deadline of 30 s or more.

const WORKER_TIMEOUT_MS = 20_000;
const FAKE_DOCKER = fileURLToPath(new URL('./fixtures/fake-docker.mjs', import.meta.url));
/** containerName('/once/0', attempt). */
const containerOf = (attempt: number): string => `iris-once-0-a${attempt}`;

interface Worker {
  proc: ReturnType<typeof spawn>;
  stderr: string[];
}

let workers: Worker[] = [];
const fakeStates: string[] = [];

const fault = useFaultProcesses('iris-fault-docker-', async () => {
  for (const w of workers) {
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(w.proc.pid!, sig);
      } catch {
        // already gone
      }
    }
  }
  workers = [];
  // Containers a failed test left behind (or one a dying worker's attempt was starting): swept for
  // a few seconds before the fake docker they would need is deleted with the root.
  const states = fakeStates.splice(0);
  for (let sweep = 0; sweep < 12; sweep++) {
    for (const state of states) {
      for (const file of readdirSync(state).filter((f) => f.endsWith('.pid'))) {
        const pid = Number(readFileSync(join(state, file), 'utf8'));
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
});

/** A `docker` on PATH that runs the fake with its state in `<root>/docker`. */
function installFakeDocker(root: string): { binDir: string; state: string } {
  const binDir = join(root, 'bin');
  const state = join(root, 'docker');
  mkdirSync(binDir, { recursive: true });
  mkdirSync(state, { recursive: true });
  writeFileSync(join(binDir, 'docker'), `#!/bin/sh\nexec '${process.execPath}' '${FAKE_DOCKER}' '${state}' "$@"\n`);
  chmodSync(join(binDir, 'docker'), 0o755);
  fakeStates.push(state);
  return { binDir, state };
}

function startDockerWorker(root: string, id: string, binDir: string): Worker {
  const env: Record<string, string | undefined> = { ...process.env, PATH: `${binDir}${delimiter}${process.env['PATH'] ?? ''}` };
  delete env['IRIS_TOKEN'];
  const args = [WORKER_MAIN, '--controller', fault.controller.url, '--token-file', fault.controller.tokenFile, '--work-dir', join(root, id), '--worker-id', id];
  const proc = spawn(process.execPath, [...args, '--runtime', 'docker'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const worker = { proc, stderr: [] as string[] };
  proc.stderr?.on('data', (c: Buffer) => worker.stderr.push(c.toString()));
  workers.push(worker);
  return worker;
}

async function registered(client: IrisClient, id: string): Promise<void> {
  await waitFor(
    `${id} to register`,
    async () => ((await client.listWorkers({ limit: 1000 })).items.some((w) => w.worker_id === id) ? true : undefined),
    60_000,
  );
}

function containerPid(state: string, name: string): number | undefined {
  const file = join(state, `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
}

function dockerCalls(state: string): string[][] {
  const file = join(state, 'calls.log');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as string[])
    : [];
}

/**
 * A one-task job running in a container on docker worker w1 (a second docker worker, w2, is up):
 * it appends start-<worker> to `marker`, waits for `go`, then appends done-<worker>.
 */
async function containerRunningOnW1(): Promise<{ client: IrisClient; w1: Worker; state: string; go: string; marker: string; pid: number }> {
  const root = fault.tempRoot();
  const { binDir, state } = installFakeDocker(root);
  const client = (await fault.startController(join(root, 'state'), { workerTimeoutMs: WORKER_TIMEOUT_MS })).client();
  const w1 = startDockerWorker(root, 'w1', binDir);
  await registered(client, 'w1');
  const go = join(root, 'go');
  const marker = join(root, 'marker');
  await client.submitJob({
    name: '/once',
    // Bounded (about 5 minutes): a container that escaped every kill still ends by itself.
    command: [
      'sh',
      '-c',
      `echo "start-$IRIS_WORKER_ID" >> ${marker}; n=0; while [ ! -e ${go} ] && [ $n -lt 6000 ]; do sleep 0.05; n=$((n+1)); done; echo "done-$IRIS_WORKER_ID" >> ${marker}`,
    ],
    max_retries_preemption: 5,
  });
  await waitFor('the container to run on w1', () => (lines(marker).includes('start-w1') ? true : undefined), 60_000);
  const pid = containerPid(state, containerOf(0))!;
  expect(alive(pid)).toBe(true);
  startDockerWorker(root, 'w2', binDir);
  await registered(client, 'w2');
  return { client, w1, state, go, marker, pid };
}

/** The task reruns on w2 and finishes there; w1's container never reached its end. */
async function expectRanOnceToTheEnd(client: IrisClient, go: string, marker: string): Promise<void> {
  await waitFor('the task to start again on w2', () => (lines(marker).includes('start-w2') ? true : undefined), 120_000);
  writeFileSync(go, '');
  await waitFor('the task to succeed', async () => ((await client.getTask('/once/0')).state === 'SUCCEEDED' ? true : undefined), 90_000);
  expect(lines(marker)).toEqual(['start-w1', 'start-w2', 'done-w2']);
}

describe('a docker worker that dies or freezes leaves no container running', () => {
  it('worker SIGKILLed: its supervisor runs docker kill, the container is gone, the task runs once to its end on w2', { timeout: 300_000 }, async () => {
    const { client, w1, state, go, marker, pid } = await containerRunningOnW1();
    w1.proc.kill('SIGKILL');
    await waitFor("w1's container to be killed", () => (alive(pid) ? undefined : true), 60_000);
    expect(dockerCalls(state)).toContainEqual(['kill', '--signal', 'SIGKILL', containerOf(0)]);
    await expectRanOnceToTheEnd(client, go, marker);
  });

  it('worker frozen (SIGSTOP): its lease runs out, the supervisor kills the container while the worker is still stopped', { timeout: 300_000 }, async () => {
    const { client, w1, state, go, marker, pid } = await containerRunningOnW1();
    process.kill(w1.proc.pid!, 'SIGSTOP');
    await waitFor("w1's container to be fenced", () => (alive(pid) ? undefined : true), 60_000);
    expect(procState(w1.proc.pid!)).toBe('T');
    expect(dockerCalls(state)).toContainEqual(['kill', '--signal', 'SIGKILL', containerOf(0)]);
    await expectRanOnceToTheEnd(client, go, marker);
  });
});
