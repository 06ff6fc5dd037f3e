#!/usr/bin/env node
// Soak benchmark (not a test): a controller and workers as real processes, for a long time, under
// mixed submissions, job kills, worker kills/restarts/freezes and controller kills/restarts.
//   node scripts/soak.mjs [--minutes 30] [--workers 3] [--out FILE]
// Counts jobs submitted, finished, failed as intended, killed on purpose, lost (must be 0: a job
// accepted that the controller no longer knows, or that ends in a state it should not), still
// queued when the drain deadline passes (a backlog, reported apart), and tasks that ran twice
// (must be 0: every task appends one marker line as the last thing a completed run does).
// Uses the built packages (dist/); run `npx tsc -b tsconfig.build.json` first.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IrisClient, isTerminalJobState } from '@iris/core/api';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    workers: { type: 'string', default: '3' },
    out: { type: 'string' },
    'submit-gap-ms': { type: 'string', default: '400' },
    'drain-minutes': { type: 'string', default: '15' },
    seed: { type: 'string', default: '15' },
  },
});
const MINUTES = Number(values.minutes);
const WORKERS = Number(values.workers);
const WORKER_TIMEOUT_MS = 15_000;
/** Mean gap between submissions is 1.5× this: about what 3 workers finish on a shared 2-core box. */
const SUBMIT_GAP_MS = Number(values['submit-gap-ms']);
const CONTROLLER_MAIN = fileURLToPath(new URL('../packages/controller/dist/serve-main.js', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../packages/worker/dist/main.js', import.meta.url));

// Seeded randomness: the same seed gives the same sequence of decisions.
let seed = Number(values.seed) >>> 0 || 1;
function random() {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const pick = (list) => list[Math.floor(random() * list.length)];

const root = mkdtempSync(join(os.tmpdir(), 'iris-soak-'));
const stateDir = join(root, 'state');
const markers = join(root, 'markers');
mkdirSync(markers, { recursive: true });
const eventLog = join(root, 'events.log');
const t0 = Date.now();
const log = (what) => {
  const line = `${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`;
  appendFileSync(eventLog, `${line}\n`);
  process.stderr.write(`${line}\n`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

// ---- controller -------------------------------------------------------------------------------
let controller;
let port = 0;
async function startController() {
  const child = spawn(process.execPath, [CONTROLLER_MAIN, '--state-dir', stateDir, '--port', String(port), '--worker-timeout', String(WORKER_TIMEOUT_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)).url);
    });
    child.once('exit', (code) => reject(new Error(`controller exited ${code}: ${stderr}`)));
  });
  port = Number(new URL(url).port);
  controller = { child, url };
  return url;
}

// ---- workers ----------------------------------------------------------------------------------
const workers = new Map();
function startWorker(id) {
  const env = { ...process.env };
  delete env.IRIS_TOKEN;
  const child = spawn(
    process.execPath,
    [
      WORKER_MAIN,
      '--controller',
      `http://127.0.0.1:${port}`,
      '--token-file',
      join(stateDir, 'token'),
      '--work-dir',
      join(root, 'workers', id),
      '--worker-id',
      id,
      '--cpu',
      '2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.once('exit', (code, signal) => {
    const w = workers.get(id);
    if (w?.child === child && !w.expectedExit) log(`worker ${id} exited unexpectedly (${code ?? signal}): ${stderr.split('\n').slice(-3).join(' | ')}`);
  });
  workers.set(id, { child, expectedExit: false });
}

// ---- the work ---------------------------------------------------------------------------------
/** Every job submitted: name → what it must end as. */
const expected = new Map();
const killedOnPurpose = new Set();
let submitted = 0;
let submitErrors = 0;
let seq = 0;

// The marker append is the last thing a completed run does.
const markerCmd = `echo "$IRIS_TASK_ID $IRIS_ATTEMPT $IRIS_WORKER_ID" >> ${markers}/$(echo "$IRIS_TASK_ID" | tr / _)`;
function jobRequest() {
  const kind = pick(['quick', 'quick', 'quick', 'sleepy', 'sleepy', 'replicas', 'flaky', 'failing']);
  const name = `/soak/${kind}-${++seq}`;
  const sleepS = (0.2 + random() * 4).toFixed(2);
  const base = { name, resources: { cpu: 0.5, memory_bytes: 64 * 2 ** 20 }, max_retries_preemption: 1000 };
  switch (kind) {
    case 'quick':
      return { req: { ...base, command: ['sh', '-c', markerCmd] }, expect: 'SUCCEEDED' };
    case 'sleepy':
      return { req: { ...base, command: ['sh', '-c', `sleep ${sleepS}; ${markerCmd}`] }, expect: 'SUCCEEDED' };
    case 'replicas':
      return { req: { ...base, replicas: 2 + Math.floor(random() * 4), command: ['sh', '-c', `sleep ${sleepS}; ${markerCmd}`] }, expect: 'SUCCEEDED' };
    case 'flaky': {
      // Fails its first attempt (exit 3), then succeeds: a failure retry.
      const flag = `${markers}/flaky-$(echo "$IRIS_TASK_ID" | tr / _)`;
      return {
        req: { ...base, max_retries_failure: 2, command: ['sh', '-c', `if [ ! -e ${flag} ]; then touch ${flag}; exit 3; fi; sleep ${sleepS}; ${markerCmd}`] },
        expect: 'SUCCEEDED',
      };
    }
    default:
      return { req: { ...base, max_retries_failure: 1, command: ['sh', '-c', 'echo failing on purpose >&2; exit 4'] }, expect: 'FAILED' };
  }
}

async function withRetry(fn, what) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      // The controller may be restarting: retry for a while, then count the failure.
      if (i >= 60) throw new Error(`${what}: ${err.message}`);
      await sleep(500);
    }
  }
}

function client() {
  return new IrisClient({ baseUrl: controller.url, token: readFileSync(join(stateDir, 'token'), 'utf8').trim() });
}

async function submitLoop(until) {
  while (Date.now() < until) {
    const { req, expect } = jobRequest();
    try {
      await withRetry(() => client().submitJob(req), `submit ${req.name}`);
      expected.set(req.name, expect);
      submitted++;
    } catch (err) {
      // A 409 after a retry means the first try landed: the job exists.
      if (String(err.message).includes('already exists')) {
        expected.set(req.name, expect);
        submitted++;
      } else {
        submitErrors++;
        log(`submit failed: ${err.message}`);
      }
    }
    await sleep(SUBMIT_GAP_MS + random() * SUBMIT_GAP_MS);
  }
}

async function chaosLoop(until) {
  const controllerKillEvery = Math.min(4 * 60_000, (MINUTES * 60_000) / 2);
  let nextControllerKill = Date.now() + controllerKillEvery;
  while (Date.now() < until) {
    await sleep(8_000 + random() * 12_000);
    if (Date.now() >= until) break;
    const action = pick(['kill-worker', 'kill-worker', 'term-worker', 'freeze-worker', 'kill-job', 'kill-job']);
    const id = `w${Math.floor(random() * WORKERS)}`;
    const w = workers.get(id);
    try {
      if (Date.now() >= nextControllerKill) {
        nextControllerKill = Date.now() + controllerKillEvery;
        log('SIGKILL controller; restart');
        controller.child.kill('SIGKILL');
        await exited(controller.child);
        await sleep(500 + random() * 2_000);
        await startController();
        log(`controller back at ${controller.url}`);
      } else if (action === 'kill-worker' || action === 'term-worker') {
        const signal = action === 'kill-worker' ? 'SIGKILL' : 'SIGTERM';
        const downMs = Math.floor(random() * (random() < 0.3 ? WORKER_TIMEOUT_MS * 1.5 : 3_000));
        log(`${signal} worker ${id}; restart in ${downMs} ms`);
        w.expectedExit = true;
        w.child.kill(signal);
        await exited(w.child);
        await sleep(downMs);
        startWorker(id);
      } else if (action === 'freeze-worker') {
        const frozenMs = Math.floor(WORKER_TIMEOUT_MS * (0.3 + random() * 1.2));
        log(`SIGSTOP worker ${id} for ${frozenMs} ms`);
        w.child.kill('SIGSTOP');
        await sleep(frozenMs);
        w.child.kill('SIGCONT');
      } else {
        const live = (await client().listJobs({ prefix: '/soak/', state: 'RUNNING', limit: 50 })).items;
        if (live.length > 0) {
          const job = pick(live).name;
          killedOnPurpose.add(job);
          await client().killJob(job);
          log(`killed job ${job}`);
        }
      }
    } catch (err) {
      log(`chaos step failed: ${err.message}`);
    }
  }
}

async function allJobs() {
  const jobs = new Map();
  let cursor;
  do {
    const page = await client().listJobs({ prefix: '/soak/', limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const j of page.items) jobs.set(j.name, j);
    cursor = page.next_cursor;
  } while (cursor);
  return jobs;
}

/** How often the controller's action log says an end came from a supervisor, or a late success was taken. */
async function recoveryCounts() {
  const counts = { ends_from_supervisors: 0, late_successes: 0 };
  let cursor;
  for (let page = 0; page < 1000; page++) {
    const res = await client().listActions({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const a of res.items) {
      if (a.kind === 'supervisor_end') counts.ends_from_supervisors++;
      if (a.kind === 'late_success') counts.late_successes++;
    }
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return counts;
}

async function main() {
  log(`soak: ${MINUTES} min, ${WORKERS} workers, worker timeout ${WORKER_TIMEOUT_MS} ms, in ${root}`);
  await startController();
  for (let i = 0; i < WORKERS; i++) startWorker(`w${i}`);
  const until = Date.now() + MINUTES * 60_000;
  await Promise.all([submitLoop(until), chaosLoop(until)]);
  log(`submissions over (${submitted}); draining`);
  // Everything comes back; then every job must finish.
  for (const [id, w] of workers) {
    w.child.kill('SIGCONT');
    if (w.child.exitCode !== null || w.child.signalCode !== null) startWorker(id);
  }
  let jobs = new Map();
  const drainUntil = Date.now() + Number(values['drain-minutes']) * 60_000;
  while (Date.now() < drainUntil) {
    jobs = await withRetry(allJobs, 'list jobs');
    if ([...expected.keys()].every((n) => jobs.has(n) && isTerminalJobState(jobs.get(n).state))) break;
    await sleep(2_000);
  }

  const counts = {
    submitted,
    submit_errors: submitErrors,
    succeeded: 0,
    failed_as_intended: 0,
    killed_on_purpose: 0,
    still_queued_at_drain_deadline: 0,
    lost: 0,
    wrong_state: 0,
    ran_twice: 0,
    succeeded_without_run: 0,
  };
  const problems = [];
  const runsOf = new Map();
  for (const file of readdirSync(markers)) {
    if (file.startsWith('flaky-')) continue;
    const lines = readFileSync(join(markers, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    runsOf.set(lines[0].split(' ')[0], lines);
  }
  for (const [task, lines] of runsOf) {
    if (lines.length > 1) {
      counts.ran_twice++;
      problems.push(`${task} ran ${lines.length} times: ${lines.join(' | ')}`);
    }
  }
  for (const [name, want] of expected) {
    const job = jobs.get(name);
    if (!job) {
      counts.lost++;
      problems.push(`lost: ${name} is unknown to the controller`);
      continue;
    }
    if (!isTerminalJobState(job.state)) {
      counts.still_queued_at_drain_deadline++;
      continue;
    }
    if (killedOnPurpose.has(name) && job.state === 'KILLED') {
      counts.killed_on_purpose++;
      continue;
    }
    if (job.state !== want && !(killedOnPurpose.has(name) && job.state === want)) {
      counts.wrong_state++;
      problems.push(`wrong state: ${name} is ${job.state}, expected ${want}${job.error ? ` (${job.error})` : ''}`);
      continue;
    }
    if (want === 'SUCCEEDED') {
      counts.succeeded++;
      const replicas = job.replicas ?? job.task_counts?.SUCCEEDED ?? 1;
      for (let i = 0; i < replicas; i++) {
        if (!runsOf.has(`${name}/${i}`)) {
          counts.succeeded_without_run++;
          problems.push(`succeeded without a completed run: ${name}/${i}`);
        }
      }
    } else counts.failed_as_intended++;
  }
  const events = readFileSync(eventLog, 'utf8').split('\n');
  const summary = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model.trim()} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    minutes: MINUTES,
    workers: WORKERS,
    worker_timeout_ms: WORKER_TIMEOUT_MS,
    chaos: {
      worker_sigkill: events.filter((l) => l.includes('SIGKILL worker')).length,
      worker_sigterm: events.filter((l) => l.includes('SIGTERM worker')).length,
      worker_freeze: events.filter((l) => l.includes('SIGSTOP worker')).length,
      controller_sigkill: events.filter((l) => l.includes('SIGKILL controller')).length,
      job_kill: killedOnPurpose.size,
    },
    counts,
    // Attempt ends the controller got from a supervisor because the worker had not reported them in time.
    recovery: await withRetry(recoveryCounts, 'list actions').catch((err) => ({ error: err.message })),
    problems: problems.slice(0, 50),
    root,
  };
  const text = JSON.stringify(summary, null, 2);
  process.stdout.write(`${text}\n`);
  if (values.out) writeFileSync(values.out, `${text}\n`);
  for (const w of workers.values()) {
    w.expectedExit = true;
    w.child.kill('SIGTERM');
  }
  await Promise.all([...workers.values()].map((w) => Promise.race([exited(w.child), sleep(15_000)])));
  controller.child.kill('SIGTERM');
  await Promise.race([exited(controller.child), sleep(10_000)]);
  for (const w of workers.values()) w.child.kill('SIGKILL');
  controller.child.kill('SIGKILL');
  process.exit(counts.lost === 0 && counts.ran_twice === 0 && counts.wrong_state === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${err.stack}\n`);
  for (const w of workers.values()) w.child.kill('SIGKILL');
  controller?.child.kill('SIGKILL');
  process.exit(2);
});
