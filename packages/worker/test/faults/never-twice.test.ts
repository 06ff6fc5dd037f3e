import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor, WORKER_MAIN, WorkerProcess } from '../e2e/cluster-processes.js';
import { alive, lines, useFaultProcesses } from './fault-processes.js';

// Real controller and worker processes. Every wait polls a condition with a deadline of 30 s or
// more; nothing asserts how fast a step was.
const fault = useFaultProcesses('iris-fault-worker-');

async function readPid(file: string): Promise<number> {
  return waitFor(`the task to write ${file}`, () => {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : undefined;
  });
}

describe('tasks never outlive their worker', () => {
  it('a SIGKILLed worker takes its task (and the task children) with it', { timeout: 90_000 }, async () => {
    const root = fault.tempRoot();
    const controller = await fault.startController(join(root, 'state'));
    const [worker] = await fault.startWorkers(root, [{ id: 'w1' }]);
    const pidFile = join(root, 'task.pid');
    const childPidFile = join(root, 'child.pid');
    await controller.client().submitJob({
      name: '/orphan',
      command: ['sh', '-c', `sleep 300 & echo $! > ${childPidFile}; echo $$ > ${pidFile}; wait`],
    });
    const pid = await readPid(pidFile);
    const grandchild = await readPid(childPidFile);
    await worker!.kill('SIGKILL');
    await waitFor('the task to die with its worker', () => (alive(pid) ? undefined : true));
    await waitFor('the task child to die with its worker', () => (alive(grandchild) ? undefined : true));
  });
});

describe('fence: a worker cut off from the controller stops its attempts before they run elsewhere', () => {
  it('kills its attempt on its own while the controller does not answer', { timeout: 120_000 }, async () => {
    const root = fault.tempRoot();
    const controller = await fault.startController(join(root, 'state'), { workerTimeoutMs: 10_000 });
    await fault.startWorkers(root, [{ id: 'w1' }]);
    const pidFile = join(root, 'task.pid');
    await controller.client().submitJob({ name: '/cut', command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`] });
    const pid = await readPid(pidFile);
    // The controller hangs (its process stopped): calls neither fail nor return.
    process.kill(controller.proc.pid!, 'SIGSTOP');
    await waitFor('the worker to fence its attempt', () => (alive(pid) ? undefined : true), 60_000);
    process.kill(controller.proc.pid!, 'SIGCONT');
  });

  it("a hung worker's task dies by lease before the controller starts it on another worker", { timeout: 150_000 }, async () => {
    const root = fault.tempRoot();
    const controller = await fault.startController(join(root, 'state'), { workerTimeoutMs: 10_000 });
    const client = controller.client();
    const [first] = await fault.startWorkers(root, [{ id: 'first' }]);
    const lock = join(root, 'task.lock');
    const log = join(root, 'runs.log');
    // Two copies at once would find the lock taken and say DOUBLE.
    const script = `flock -n ${lock} -c 'echo "start $IRIS_WORKER_ID" >> ${log}; exec sleep 300' || echo DOUBLE >> ${log}`;
    await client.submitJob({ name: '/hung', command: ['sh', '-c', script], max_retries_preemption: 3 });
    await waitFor('the first copy to run', () => (lines(log).length === 1 ? true : undefined));
    await fault.startWorkers(root, [{ id: 'second' }]);
    // The first worker hangs: it neither reports nor renews its attempt's lease.
    process.kill(first!.proc.pid!, 'SIGSTOP');
    await waitFor('the task to run on the second worker', () => (lines(log).length >= 2 ? true : undefined), 90_000);
    expect(lines(log)).toEqual(['start first', 'start second']);
  });
});

describe('an attempt that ended is never lost', () => {
  it('a worker killed after its task ended but before reporting reports the end when it restarts: the task runs once', { timeout: 120_000 }, async () => {
    const root = fault.tempRoot();
    const controller = await fault.startController(join(root, 'state'));
    const client = controller.client();
    const [worker] = await fault.startWorkers(root, [{ id: 'w1' }]);
    const marker = join(root, 'marker');
    const go = join(root, 'go');
    await client.submitJob({ name: '/once', command: ['sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done; echo run >> ${marker}`] });
    await waitFor('the task to run', async () => ((await client.getTask('/once/0')).state === 'RUNNING' ? true : undefined));
    // The worker freezes; the task ends meanwhile (its supervisor records the end), then the
    // worker is killed before it could tell the controller.
    process.kill(worker!.proc.pid!, 'SIGSTOP');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(go, '');
    const ends = join(root, 'w1', 'attempts');
    await waitFor('the supervisor to record the end', () => (readdirSync(ends).some((f) => f.endsWith('.exit')) ? true : undefined));
    await worker!.kill('SIGKILL');
    expect((await client.getTask('/once/0')).state).toBe('RUNNING');

    fault.track(WorkerProcess.start({ controller, workDir: join(root, 'w1'), workerId: 'w1' }));
    await waitFor('the job to succeed', async () => ((await client.getJob('/once')).state === 'SUCCEEDED' ? true : undefined));
    expect(lines(marker)).toEqual(['run']);
    expect((await client.getTask('/once/0')).attempt).toBe(0);
    await waitFor('the recorded end to be removed once reported', () => (readdirSync(ends).length === 0 ? true : undefined));
  });
});

describe('one worker per work dir', () => {
  it('refuses a second worker on the default work dir with a message naming the first', { timeout: 60_000 }, async () => {
    const home = fault.tempRoot();
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env['IRIS_TOKEN'];
    const args = [WORKER_MAIN, '--controller', 'http://127.0.0.1:9'];
    const first = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await waitFor('the first worker to hold its work dir', () => (existsSync(join(home, '.iris', 'worker', 'worker.lock')) ? true : undefined));
      const second = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      second.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(stderr).toContain(`pid ${first.pid}`);
      expect(stderr).toContain('--work-dir');
    } finally {
      first.kill('SIGKILL');
    }
  });
});
